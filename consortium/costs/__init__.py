"""What each town pays: prices, the estimate from a plan, the consortium's cost-sharing formula,
what-if and the monthly chargeback from the real Azure bill.

Reads the registry and plan records; never the program, the runner or the audit."""
