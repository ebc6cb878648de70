# The import id names the scope: itwins/<itwin_id>, imodels/<imodel_id> or connections/<connection_id>.
terraform import itwin_sync_configuration.itwin itwins/7a1e8f52-3c4d-4e5f-8a9b-0c1d2e3f4a5b
terraform import itwin_sync_configuration.imodel imodels/eb6ccda2-15aa-4aff-99b5-9c71aea04ceb
terraform import itwin_sync_configuration.connection connections/CDGyTAuzEViJKcyqyWp6bJW6ecC69Od8tgzKjbyILG8
