"""The raw data contract: what the generator writes and what dbt's staging layer reads.

The dbt side declares the same contract in ``models/staging/raw/_raw__sources.yml``
(column ``data_type``) and in the vars of ``dbt_project.yml`` (accepted values);
``python/tests/test_contract.py`` fails when the two drift apart.
"""

from __future__ import annotations

# Raw tables and their columns, with the type family each column must have.
# Families: "string", "timestamp", "numeric", "boolean".
RAW_TABLES: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "string",
        "email": "string",
        "country": "string",
        "signup_at": "timestamp",
        "updated_at": "timestamp",
    },
    "orders": {
        "order_id": "string",
        "customer_id": "string",
        "ordered_at": "timestamp",
        "status": "string",
        "amount": "numeric",
        "currency": "string",
        "_loaded_at": "timestamp",
    },
    "events": {
        "event_id": "string",
        "customer_id": "string",
        "session_id": "string",
        "event_type": "string",
        "occurred_at": "timestamp",
        "_loaded_at": "timestamp",
    },
    "consents": {
        "customer_id": "string",
        "purpose": "string",
        "granted": "boolean",
        "recorded_at": "timestamp",
    },
    "deletion_requests": {
        "customer_id": "string",
        "requested_at": "timestamp",
    },
}

# Order statuses. Refunds and returns are rows of their own with a negative amount.
ORDER_STATUSES = ("completed", "pending", "cancelled", "refunded", "returned")
NEGATIVE_STATUSES = ("refunded", "returned")

EVENT_TYPES = ("page_view", "product_view", "add_to_cart", "checkout", "search")

CONSENT_PURPOSES = ("analytics", "marketing")
# The purpose whose latest record decides whether a customer may be segmented.
SEGMENTATION_PURPOSE = "analytics"

# ISO 4217 codes the project knows (seeds/currency_rates.csv holds their rates).
CURRENCIES = ("USD", "EUR", "GBP", "CAD", "AUD")
