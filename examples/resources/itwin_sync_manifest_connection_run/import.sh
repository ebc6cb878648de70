# Import an existing run as "<connection_id>/<run_id>". The file list cannot be read back from the API (and URLs are
# write-only), so the first apply after the import records the configured source_files and triggers without
# starting a run.
terraform import itwin_sync_manifest_connection_run.plant_docs CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8/f5dfaaf8-791b-45d1-9548-16cf2ff6147d
