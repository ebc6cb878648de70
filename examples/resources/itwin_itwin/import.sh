# Import an iTwin by id.
terraform import itwin_itwin.plant 67453631-e02f-4e5f-aeb6-4ac1c299a4d2
