"""The curated knowledge: content model and files, validation, store, normalisation, retrieval, decision.

This package imports neither `bot` nor `api`: it is a library the conversation and the HTTP face use.
"""
