# Import a folder by its Storage id. Folders in an iTwin's Storage root can be configured with itwin_id after the
# import: the provider checks that the folder really sits in that iTwin's root and does not replace it.
terraform import itwin_storage_folder.plant TYQ4tSgPn0ujoqf5DaQ-x9u6R1d-qoVDmNSWOyXKGXo
