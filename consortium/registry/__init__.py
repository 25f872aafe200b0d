"""The registry: the consortium's files, their models and rules, addresses, names, and what is rendered from them."""
