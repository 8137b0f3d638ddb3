"""The vendor-neutral domain: tables, records, state machines and services.

It imports neither the web framework nor any vendor. Vendors translate their wire vocabulary into the
calls made here (``vendors/<vendor>/mapping.py``) and map ``DomainError`` codes to their own errors.
"""
