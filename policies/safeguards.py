"""CIS Critical Security Controls v8, Implementation Group 1: the 56 safeguards of basic cyber hygiene.

The crosswalk report lists each of them with the controls (policy pack and Ansible baselines)
that give evidence for it, and shows which ones nothing covers yet.
"""

from __future__ import annotations

IG1: tuple[tuple[str, str], ...] = (
    ("1.1", "Establish and Maintain Detailed Enterprise Asset Inventory"),
    ("1.2", "Address Unauthorized Assets"),
    ("2.1", "Establish and Maintain a Software Inventory"),
    ("2.2", "Ensure Authorized Software is Currently Supported"),
    ("2.3", "Address Unauthorized Software"),
    ("3.1", "Establish and Maintain a Data Management Process"),
    ("3.2", "Establish and Maintain a Data Inventory"),
    ("3.3", "Configure Data Access Control Lists"),
    ("3.4", "Enforce Data Retention"),
    ("3.5", "Securely Dispose of Data"),
    ("3.6", "Encrypt Data on End-User Devices"),
    ("4.1", "Establish and Maintain a Secure Configuration Process"),
    ("4.2", "Establish and Maintain a Secure Configuration Process for Network Infrastructure"),
    ("4.3", "Configure Automatic Session Locking on Enterprise Assets"),
    ("4.4", "Implement and Manage a Firewall on Servers"),
    ("4.5", "Implement and Manage a Firewall on End-User Devices"),
    ("4.6", "Securely Manage Enterprise Assets and Software"),
    ("4.7", "Manage Default Accounts on Enterprise Assets and Software"),
    ("5.1", "Establish and Maintain an Inventory of Accounts"),
    ("5.2", "Use Unique Passwords"),
    ("5.3", "Disable Dormant Accounts"),
    ("5.4", "Restrict Administrator Privileges to Dedicated Administrator Accounts"),
    ("6.1", "Establish an Access Granting Process"),
    ("6.2", "Establish an Access Revoking Process"),
    ("6.3", "Require MFA for Externally-Exposed Applications"),
    ("6.4", "Require MFA for Remote Network Access"),
    ("6.5", "Require MFA for Administrative Access"),
    ("7.1", "Establish and Maintain a Vulnerability Management Process"),
    ("7.2", "Establish and Maintain a Remediation Process"),
    ("7.3", "Perform Automated Operating System Patch Management"),
    ("7.4", "Perform Automated Application Patch Management"),
    ("8.1", "Establish and Maintain an Audit Log Management Process"),
    ("8.2", "Collect Audit Logs"),
    ("8.3", "Ensure Adequate Audit Log Storage"),
    ("9.1", "Ensure Use of Only Fully Supported Browsers and Email Clients"),
    ("9.2", "Use DNS Filtering Services"),
    ("10.1", "Deploy and Maintain Anti-Malware Software"),
    ("10.2", "Configure Automatic Anti-Malware Signature Updates"),
    ("10.3", "Disable Autorun and Autoplay for Removable Media"),
    ("11.1", "Establish and Maintain a Data Recovery Process"),
    ("11.2", "Perform Automated Backups"),
    ("11.3", "Protect Recovery Data"),
    ("11.4", "Establish and Maintain an Isolated Instance of Recovery Data"),
    ("12.1", "Ensure Network Infrastructure is Up-to-Date"),
    ("14.1", "Establish and Maintain a Security Awareness Program"),
    ("14.2", "Train Workforce Members to Recognize Social Engineering Attacks"),
    ("14.3", "Train Workforce Members on Authentication Best Practices"),
    ("14.4", "Train Workforce on Data Handling Best Practices"),
    ("14.5", "Train Workforce Members on Causes of Unintentional Data Exposure"),
    ("14.6", "Train Workforce Members on Recognizing and Reporting Security Incidents"),
    (
        "14.7",
        "Train Workforce on How to Identify and Report if Their Enterprise Assets are Missing Security Updates",
    ),
    (
        "14.8",
        "Train Workforce on the Dangers of Connecting to and Transmitting Enterprise Data Over Insecure Networks",
    ),
    ("15.1", "Establish and Maintain an Inventory of Service Providers"),
    ("17.1", "Designate Personnel to Manage Incident Handling"),
    ("17.2", "Establish and Maintain Contact Information for Reporting Security Incidents"),
    ("17.3", "Establish and Maintain an Enterprise Process for Reporting Incidents"),
)

IG1_IDS = frozenset(sid for sid, _ in IG1)
