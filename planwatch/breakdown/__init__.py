"""The breakdown (分解表): each indicator's targets by locality and year, entered by its lead unit and
approved by the province (a subject of the review kernel); later changes with a reason (一 说明3)."""
