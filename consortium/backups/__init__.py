"""Backups as evidence: restore drills (``playbooks/restore_drill.yml``) and backup status
(``playbooks/backup_status.yml``) read strictly (``drills``, ``status``), the servers they must cover
(``protected``), ``consortium backup-status`` as a table, CSV or JSON (``report``) and the control
"every protected server had a successful restore drill in the last 30 days" (``controls``,
MCS-BAK-009 in ``consortium audit --evidence``). Reads evidence files and the registry only."""
