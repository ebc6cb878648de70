# Import a named version as <imodel_id>/<named_version_id>.
terraform import itwin_imodel_named_version.milestone eb6ccda2-15aa-4aff-99b5-9c71aea04ceb/8d2e4a47-9f0a-4a56-b0a5-0b1e8b9f4c11
