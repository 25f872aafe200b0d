"""A test engine: launches the policy pack as the Pulumi language host does and speaks the analyzer protocol.

``pack.py`` starts and stops the pack process and calls it in the engine's order; ``marshal.py``
turns plan records into what the engine sends (inputs for ``Analyze``, outputs for
``AnalyzeStack``); ``config.py`` reconciles the pack config as the engine does.
"""
