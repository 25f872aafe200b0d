"""The consortium's offsite backup store (S3-compatible, Object Lock) as code.

What the store must be comes from the registry (:mod:`spec`); :mod:`store` provisions it and each
member's credential (boto3, the only room that talks to it), :mod:`vault` writes those credentials
into the members' Ansible Vault files, :mod:`readback` reads the store back as audit resources and
:mod:`controls` judges them (the ``MCS-OFF`` controls of ``consortium audit --offsite``).
"""
