from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """Every list: `?page=` and `?page_size=` (at most 200), with `count`, `next`, `previous`."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
