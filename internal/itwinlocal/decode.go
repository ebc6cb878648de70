package itwinlocal

// Pure JSON request decoders with validation (no store access), so they can be fuzzed. Each returns an
// *APIError (422 with the family code and a detail naming the field) for bad input.

import (
	"fmt"
	"net/url"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// maxSourceFiles is the per-create and per-iModel mapping limit (§11e).
const maxSourceFiles = 250

// maxConnectionsPerIModel is §11e's connection limit.
const maxConnectionsPerIModel = 100

func isCurrentConnectorType(name string) bool {
	ct, ok := wire.LookupConnectorType(name)
	return ok && !ct.Legacy
}

func badConnectorType(family, name string, where string) error {
	return validation(family, detailInvalid, "connectorType",
		fmt.Sprintf("%s: connectorType %q is not a supported connector type.", where, name))
}

func validAuthType(family, v string) error {
	if v != "" && v != wire.AuthenticationTypeUser && v != wire.AuthenticationTypeService {
		return validation(family, detailInvalid, "authenticationType", "authenticationType must be User or Service.")
	}
	return nil
}

// validHTTPURL reports whether s is an absolute http(s) URL with a host.
func validHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// decodeStorageConnectionCreate validates an S1 body.
func decodeStorageConnectionCreate(body []byte) (wire.StorageConnectionCreate, error) {
	const fam = famStorageConn
	var in wire.StorageConnectionCreate
	keys, err := decodeObject(body, fam, &in)
	if err != nil {
		return in, err
	}
	if err := validateConnCommon(fam, present(keys, "iModelId"), in.IModelID, present(keys, "sourceFiles"), len(in.SourceFiles), in.AuthenticationType); err != nil {
		return in, err
	}
	for i, f := range in.SourceFiles {
		if err := validateStorageFile(fam, f, fmt.Sprintf("sourceFiles[%d]", i)); err != nil {
			return in, err
		}
	}
	in.IModelID = NormGUID(in.IModelID)
	if in.AuthenticationType == "" {
		in.AuthenticationType = wire.AuthenticationTypeUser
	}
	return in, nil
}

// decodeManifestConnectionCreate validates an M1 body.
func decodeManifestConnectionCreate(body []byte) (wire.ManifestConnectionCreate, error) {
	const fam = famManifestConn
	var in wire.ManifestConnectionCreate
	keys, err := decodeObject(body, fam, &in)
	if err != nil {
		return in, err
	}
	if err := validateConnCommon(fam, present(keys, "iModelId"), in.IModelID, present(keys, "sourceFiles"), len(in.SourceFiles), in.AuthenticationType); err != nil {
		return in, err
	}
	for i, f := range in.SourceFiles {
		if f.SourceFileID == "" {
			return in, validation(fam, detailMissing, fmt.Sprintf("sourceFiles[%d].sourceFileId", i), "")
		}
	}
	in.IModelID = NormGUID(in.IModelID)
	if in.AuthenticationType == "" {
		in.AuthenticationType = wire.AuthenticationTypeUser
	}
	return in, nil
}

func validateConnCommon(fam string, hasIModel bool, imodelID string, hasFiles bool, nFiles int, auth string) error {
	switch {
	case !hasIModel || imodelID == "":
		return validation(fam, detailMissing, "iModelId", "")
	case !IsGUID(imodelID):
		return validation(fam, detailInvalid, "iModelId", "")
	case !hasFiles:
		return validation(fam, detailMissing, "sourceFiles", "")
	case nFiles < 1 || nFiles > maxSourceFiles:
		return validation(fam, detailInvalid, "sourceFiles", fmt.Sprintf("sourceFiles must contain 1 to %d files.", maxSourceFiles))
	}
	return validAuthType(fam, auth)
}

func validateStorageFile(fam string, f wire.StorageFileCreate, where string) error {
	if f.StorageFileID == "" {
		return validation(fam, detailMissing, where+".storageFileId", "")
	}
	if f.ConnectorType == "" {
		return validation(fam, detailMissing, where+".connectorType", "")
	}
	if !isCurrentConnectorType(f.ConnectorType) {
		return badConnectorType(fam, f.ConnectorType, where)
	}
	return nil
}

// decodeConnectionUpdate validates an S4/M4 body. iModelId and sourceFiles (legacy) are ignored.
func decodeConnectionUpdate(body []byte, fam string) (wire.ConnectionUpdate, map[string]bool, error) {
	var in wire.ConnectionUpdate
	keys, err := decodeObject(body, fam, &in)
	if err != nil {
		return in, nil, err
	}
	if err := validAuthType(fam, in.AuthenticationType); err != nil {
		return in, nil, err
	}
	// A present "" sets an empty name; an omitted (or null) displayName keeps the current one.
	return in, map[string]bool{"displayName": in.DisplayName != nil, "authenticationType": present(keys, "authenticationType") && in.AuthenticationType != ""}, nil
}

// decodeStorageFileCreate validates an S9/S12 body.
func decodeStorageFileCreate(body []byte) (wire.StorageFileCreate, error) {
	var in wire.StorageFileCreate
	if _, err := decodeObject(body, famStorageSourceFile, &in); err != nil {
		return in, err
	}
	if in.StorageFileID == "" {
		return in, validation(famStorageSourceFile, detailMissing, "storageFileId", "")
	}
	if in.ConnectorType == "" {
		return in, validation(famStorageSourceFile, detailMissing, "connectorType", "")
	}
	if !isCurrentConnectorType(in.ConnectorType) {
		return in, badConnectorType(famStorageSourceFile, in.ConnectorType, "body")
	}
	return in, nil
}

// decodeManifestFileCreate validates an M9/M12 body.
func decodeManifestFileCreate(body []byte) (wire.ManifestFileCreate, error) {
	var in wire.ManifestFileCreate
	if _, err := decodeObject(body, famManifestSource, &in); err != nil {
		return in, err
	}
	if in.SourceFileID == "" {
		return in, validation(famManifestSource, detailMissing, "sourceFileId", "")
	}
	return in, nil
}

// decodeManifestRunCreate validates an M6 body (§5.3). registered reports whether an id is a sourceFileId of
// the connection. An empty body is an empty manifest (the run completes Skipped). Defaults are filled in:
// action "bridge", and connectorType from the deprecated connector field when only that is given.
func decodeManifestRunCreate(body []byte, registered func(string) bool) (wire.ManifestRunCreate, error) {
	const fam = famManifestConn
	var in wire.ManifestRunCreate
	if len(trimSpace(body)) == 0 {
		return in, nil
	}
	if _, err := decodeObject(body, fam, &in); err != nil {
		return in, err
	}
	if in.DocumentAttributeSchemaURL != "" && !validHTTPURL(in.DocumentAttributeSchemaURL) {
		return in, validation(fam, detailInvalid, "documentAttributeSchemaUrl", "documentAttributeSchemaUrl must be an http or https URL.")
	}
	seen := map[string]bool{}
	for i := range in.SourceFiles {
		f := &in.SourceFiles[i]
		at := fmt.Sprintf("sourceFiles[%d]", i)
		if f.ID == "" {
			return in, validation(fam, detailMissing, at+".id", "")
		}
		if registered != nil && !registered(f.ID) {
			return in, validation(fam, detailInvalid, at+".id", fmt.Sprintf("%s.id %q is not a source file of this connection.", at, f.ID))
		}
		if seen[f.ID] {
			return in, validation(fam, detailInvalid, at+".id", fmt.Sprintf("%s.id %q appears more than once.", at, f.ID))
		}
		seen[f.ID] = true
		switch f.Action {
		case "":
			f.Action = wire.ManifestActionBridge
		case wire.ManifestActionBridge, wire.ManifestActionUnmap:
		default:
			return in, validation(fam, detailInvalid, at+".action", "action must be bridge or unmap.")
		}
		if err := validateManifestEntry(fam, at, f.Name, f.URL, &f.ConnectorType, f.Connector, f.DocumentAttribute); err != nil {
			return in, err
		}
		for j := range f.Children {
			ch := &f.Children[j]
			cat := fmt.Sprintf("%s.children[%d]", at, j)
			if ch.ID == "" {
				return in, validation(fam, detailMissing, cat+".id", "")
			}
			if ch.ParentID == "" {
				return in, validation(fam, detailMissing, cat+".parentId", "")
			}
			if ch.ParentID != f.ID {
				return in, validation(fam, detailInvalid, cat+".parentId", fmt.Sprintf("%s.parentId must equal the parent's id %q.", cat, f.ID))
			}
			if err := validateManifestEntry(fam, cat, ch.Name, ch.URL, &ch.ConnectorType, ch.Connector, ch.DocumentAttribute); err != nil {
				return in, err
			}
		}
	}
	return in, nil
}

func validateManifestEntry(fam, at, name, u string, ct *string, connector string, da *wire.DocumentAttribute) error {
	if name == "" {
		return validation(fam, detailMissing, at+".name", "")
	}
	if u == "" {
		return validation(fam, detailMissing, at+".url", "")
	}
	if !validHTTPURL(u) {
		return validation(fam, detailInvalid, at+".url", at+".url must be an http or https URL.")
	}
	if *ct == "" {
		*ct = connector // deprecated field, used only when connectorType is absent
	}
	if *ct == "" {
		return validation(fam, detailMissing, at+".connectorType", "")
	}
	if !isCurrentConnectorType(*ct) {
		return validation(fam, detailInvalid, at+".connectorType", fmt.Sprintf("%s.connectorType %q is not a supported connector type.", at, *ct))
	}
	if da != nil && da.ClassName == "" {
		return validation(fam, detailMissing, at+".documentAttribute.className", "")
	}
	return nil
}

func trimSpace(b []byte) []byte {
	i, j := 0, len(b)
	for i < j && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	for j > i && (b[j-1] == ' ' || b[j-1] == '\n' || b[j-1] == '\r' || b[j-1] == '\t') {
		j--
	}
	return b[i:j]
}
