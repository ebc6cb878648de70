# Import an iModel by id (for example after a create failed with "already has an iModel named ...").
terraform import itwin_imodel.plant eb6ccda2-15aa-4aff-99b5-9c71aea04ceb
