# Import an existing run as "<connection_id>/<run_id>". Importing starts nothing: the resource records the run and
# its outputs, and the first apply records the configured triggers in place; a later change of triggers starts a
# new run. An imported run has no source_fingerprint (the files it read are unknown), so rerun_on_source_change
# takes effect from the next run Terraform starts.
terraform import itwin_sync_storage_connection_run.plant CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8/f5dfaaf8-791b-45d1-9548-16cf2ff6147d
