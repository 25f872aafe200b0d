"""The asset and software register: host inventories (``playbooks/inventory.yml``) read strictly
(``inventory``), tied to the registry's members (``register``), and written as a table, CSV, JSON
(``report``) or a Snipe-IT asset import (``snipeit``). Imports the registry only."""
