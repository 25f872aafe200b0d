"""The security standard run in-process: sources, evidence, parameters, exemptions, the run, and its reports."""
