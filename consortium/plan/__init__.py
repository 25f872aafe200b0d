"""The Pulumi program planned offline (the SDK's mock runtime, a fake Azure), plan files, their diff, deploy."""
