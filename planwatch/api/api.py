from ninja import NinjaAPI

api = NinjaAPI(title="PlanWatch API", version="1")
