"""The Chinese words for the engine's codes, one table for every report (text, workbook, bulletin)."""

PACE_ZH = {"ahead": "超前", "on_pace": "正常", "lagging": "滞后", "seriously_lagging": "严重滞后"}
SDG_ZH = {
    "target_achieved": "已达标",
    "on_track": "按期推进",
    "needs_acceleration": "需加速",
    "limited_progress": "进展有限",
    "deterioration": "倒退",
}
OUTCOME_ZH = {
    "evaluated": "已评估",
    "target_met": "已达标",
    "binding_met": "约束性达标",
    # The engine's binding_not_met is "not (yet) met": before the target year it is not a failure.
    "binding_not_met": "约束性尚未达标",
    "missing_data": "缺数据",
    "invalid_base": "基数无效",
    "not_applicable": "不适用",
}
