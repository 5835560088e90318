from tests.support.hubs import hub_place

__all__ = ["hub_place"]
