package itwinlocal

// Fuzz targets for every JSON request decoder. With `go test` they run their seed corpus; `go test -fuzz
// FuzzX` explores further. Each asserts: no panic; a rejection is a 422 envelope whose detail names a target
// (except MissingRequestBody); an acceptance satisfies the decoder's documented invariants.

import (
	"errors"
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

func checkRejection(t *testing.T, err error, family string) {
	t.Helper()
	var ae *APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error is not an APIError: %v", err)
	}
	if ae.Status != 422 || ae.Code == "" || ae.Message == "" || len(ae.Details) == 0 {
		t.Fatalf("bad rejection: %+v", ae)
	}
	if ae.Code != "MissingRequestBody" && (ae.Code != family || ae.Details[0].Target == "") {
		t.Fatalf("rejection %+v: want family %s with a target", ae, family)
	}
}

var connSeeds = []string{
	``, `{`, `[]`, `null`, `{}`, `"x"`,
	`{"iModelId":"eb6ccda2-15aa-4aff-99b5-9c71aea04ceb","sourceFiles":[{"storageFileId":"abc","connectorType":"MSTN"}]}`,
	`{"iModelId":"EB6CCDA2-15AA-4AFF-99B5-9C71AEA04CEB","authenticationType":"Service","displayName":"x","sourceFiles":[{"storageFileId":"a","connectorType":"IFC"},{"storageFileId":"b","connectorType":"NWD"}]}`,
	`{"iModelId":"eb6ccda2-15aa-4aff-99b5-9c71aea04ceb","sourceFiles":[{"storageFileId":"abc","connectorType":"AVEVAPID"}]}`,
	`{"iModelId":5}`, `{"iModelId":"x","sourceFiles":{}}`, `{"sourceFiles":[{"sourceFileId":"dms-1"}],"iModelId":"eb6ccda2-15aa-4aff-99b5-9c71aea04ceb"}`,
}

func FuzzDecodeStorageConnectionCreate(f *testing.F) {
	for _, s := range connSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeStorageConnectionCreate(body)
		if err != nil {
			checkRejection(t, err, famStorageConn)
			return
		}
		if !IsGUID(in.IModelID) || in.IModelID != NormGUID(in.IModelID) || len(in.SourceFiles) < 1 || len(in.SourceFiles) > maxSourceFiles {
			t.Fatalf("accepted invalid body: %+v", in)
		}
		if in.AuthenticationType != wire.AuthenticationTypeUser && in.AuthenticationType != wire.AuthenticationTypeService {
			t.Fatalf("authenticationType %q", in.AuthenticationType)
		}
		for _, sf := range in.SourceFiles {
			if sf.StorageFileID == "" || !isCurrentConnectorType(sf.ConnectorType) {
				t.Fatalf("accepted file %+v", sf)
			}
		}
	})
}

func FuzzDecodeManifestConnectionCreate(f *testing.F) {
	for _, s := range connSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeManifestConnectionCreate(body)
		if err != nil {
			checkRejection(t, err, famManifestConn)
			return
		}
		if !IsGUID(in.IModelID) || len(in.SourceFiles) < 1 || len(in.SourceFiles) > maxSourceFiles {
			t.Fatalf("accepted invalid body: %+v", in)
		}
		for _, sf := range in.SourceFiles {
			if sf.SourceFileID == "" {
				t.Fatalf("accepted empty sourceFileId")
			}
		}
	})
}

func FuzzDecodeConnectionUpdate(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"displayName":"x"}`, `{"authenticationType":"Robot"}`, `{"authenticationType":"User","iModelId":"x"}`, `{"displayName":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, set, err := decodeConnectionUpdate(body, famStorageConn)
		if err != nil {
			checkRejection(t, err, famStorageConn)
			return
		}
		if set["authenticationType"] && in.AuthenticationType != "User" && in.AuthenticationType != "Service" {
			t.Fatalf("accepted %q", in.AuthenticationType)
		}
	})
}

func FuzzDecodeSourceFile(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"storageFileId":"a","connectorType":"MSTN"}`, `{"storageFileId":"a"}`, `{"sourceFileId":"d"}`, `{"sourceFileId":7}`, `{"connectorType":"mstn","storageFileId":"a"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, err := decodeStorageFileCreate(body); err != nil {
			checkRejection(t, err, famStorageSourceFile)
		} else if in.StorageFileID == "" || !isCurrentConnectorType(in.ConnectorType) {
			t.Fatalf("accepted %+v", in)
		}
		if in, err := decodeManifestFileCreate(body); err != nil {
			checkRejection(t, err, famManifestSource)
		} else if in.SourceFileID == "" {
			t.Fatalf("accepted %+v", in)
		}
	})
}

func FuzzDecodeManifestRunCreate(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"sourceFiles":[]}`,
		`{"sourceFiles":[{"id":"dms-1","name":"a.dgn","url":"https://x/a.dgn","connectorType":"MSTN"}]}`,
		`{"documentAttributeSchemaUrl":"https://x/s.json","sourceFiles":[{"id":"dms-1","name":"a.dgn","action":"unmap","url":"http://x/a","connector":"MSTN","documentAttribute":{"className":"A:B","properties":{"k":1}},"children":[{"id":"c","parentId":"dms-1","name":"r.dgn","url":"https://x/r","connectorType":"CIVIL"}]}]}`,
		`{"sourceFiles":[{"id":"dms-2","name":"a","url":"ftp://x","connectorType":"MSTN"}]}`,
		`{"sourceFiles":[{"id":"dms-1","name":"a","url":"https://x","connectorType":"MSTN","children":[{"id":"c","parentId":"zz"}]}]}`,
	} {
		f.Add([]byte(s))
	}
	registered := func(id string) bool { return id == "dms-1" || id == "dms-3" }
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeManifestRunCreate(body, registered)
		if err != nil {
			checkRejection(t, err, famManifestConn)
			return
		}
		for _, sf := range in.SourceFiles {
			if !registered(sf.ID) || sf.Name == "" || !validHTTPURL(sf.URL) || !isCurrentConnectorType(sf.ConnectorType) ||
				(sf.Action != wire.ManifestActionBridge && sf.Action != wire.ManifestActionUnmap) {
				t.Fatalf("accepted %+v", sf)
			}
			for _, ch := range sf.Children {
				if ch.ParentID != sf.ID || ch.ID == "" || !validHTTPURL(ch.URL) || !isCurrentConnectorType(ch.ConnectorType) {
					t.Fatalf("accepted child %+v", ch)
				}
			}
		}
	})
}

func FuzzDecodeConfigBody(f *testing.F) {
	for _, s := range []string{``, `{}`, `[]`, `{"clampZExtent":true}`, `{"revitLevelOfDetail":2}`, `{"revitLevelOfDetail":2.0}`, `{"revitLevelOfDetail":1e400}`,
		`{"overrideRvtReprojectionDistance":-1}`, `{"uploadDgnRealityData":"true"}`, `{"nope":1}`, `{"ignoreDgnAttachments":null}`, `{"a":1}{"b":2}`} {
		f.Add([]byte(s), uint8(0), true)
	}
	scopes := []string{wire.ScopeITwin, wire.ScopeIModel, wire.ScopeConnection}
	f.Fuzz(func(t *testing.T, body []byte, scopeIdx uint8, allowNull bool) {
		scope := scopes[int(scopeIdx)%3]
		m, err := decodeConfigBody(body, scope, allowNull)
		if err != nil {
			checkRejection(t, err, famConfig)
			return
		}
		for k, v := range m {
			fl, ok := wire.LookupConfigFlag(k)
			if !ok || fl.Scope != scope {
				t.Fatalf("accepted flag %q at scope %s", k, scope)
			}
			switch x := v.(type) {
			case nil:
				if !allowNull {
					t.Fatalf("accepted null for %s", k)
				}
			case bool:
				if fl.Type != wire.FlagBool {
					t.Fatalf("bool for %s", k)
				}
			case int64:
				if fl.Type != wire.FlagInt || x < fl.Min || x > fl.Max {
					t.Fatalf("int %d for %s", x, k)
				}
			default:
				t.Fatalf("value %T for %s", v, k)
			}
		}
	})
}

func FuzzDecodePlatformBodies(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"class":"Thing","subClass":"Asset","displayName":"x"}`, `{"iTwinId":"eb6ccda2-15aa-4aff-99b5-9c71aea04ceb","name":"m"}`,
		`{"iTwinId":"eb6ccda2-15aa-4aff-99b5-9c71aea04ceb","name":"m","extent":{"southWest":{"latitude":100}}}`, `{"displayName":"a/b"}`,
		`{"displayName":"ok","description":"d"}`, `{"containersEnabled":-1,"name":"x","iTwinId":"eb6ccda2-15aa-4aff-99b5-9c71aea04ceb"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if it, err := decodeITwinCreate(body); err != nil {
			checkRejection(t, err, famITwins)
		} else if !itwinClasses[it.Class] || it.SubClass == "" || it.DisplayName == "" || it.ID != "" {
			t.Fatalf("accepted iTwin %+v", it)
		}
		if im, err := decodeIModelCreate(body); err != nil {
			checkRejection(t, err, famIModels)
		} else if !IsGUID(im.ITwinID) || im.Name == "" {
			t.Fatalf("accepted iModel %+v", im)
		}
		if it, err := decodeStorageItem(body, famFolderCreate, true); err != nil {
			checkRejection(t, err, famFolderCreate)
		} else if !validName(it.DisplayName) {
			t.Fatalf("accepted folder name %q", it.DisplayName)
		}
		if _, err := decodeStorageItem(body, famStorage, false); err != nil {
			checkRejection(t, err, famStorage)
		}
	})
}

func FuzzDecodeUpdateBodies(f *testing.F) {
	for _, s := range []string{``, `{}`, `[]`, `{"name":"n"}`, `{"name":null}`, `{"name":""}`, `{"description":null,"extent":null}`,
		`{"extent":{"southWest":{"latitude":91}}}`, `{"displayName":"x","status":"Trial","number":null,"parentId":"eb6ccda2-15aa-4aff-99b5-9c71aea04ceb"}`,
		`{"class":"Thing"}`, `{"status":null}`, `{"dataCenterLocation":""}`, `{"parentId":"x"}`, `{"state":"hidden","description":"d"}`,
		`{"state":"gone"}`, `{"name":"v","changesetIndex":-1}`, `{"name":"v","changesetId":"ABC","changesetIndex":3}`, `{"name":7}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if in, err := decodeIModelUpdate(body); err != nil {
			checkRejection(t, err, famIModels)
		} else {
			if in.Name != nil && (strings.TrimSpace(*in.Name) == "" || len(*in.Name) > maxIModelName) {
				t.Fatalf("accepted iModel name %q", *in.Name)
			}
			if in.Extent.Value != nil && validateExtent(in.Extent.Value) != nil {
				t.Fatalf("accepted extent %+v", in.Extent.Value)
			}
		}
		if in, err := decodeITwinUpdate(body); err != nil {
			checkRejection(t, err, famITwins)
		} else {
			if in.DisplayName != nil && strings.TrimSpace(*in.DisplayName) == "" {
				t.Fatalf("accepted empty displayName")
			}
			if in.Status != nil && !itwinStatuses[*in.Status] {
				t.Fatalf("accepted status %q", *in.Status)
			}
			if p := in.ParentID.Value; p != nil && *p != "" && !IsGUID(*p) {
				t.Fatalf("accepted parentId %q", *p)
			}
		}
		if in, err := decodeNamedVersionCreate(body); err != nil {
			checkRejection(t, err, famIModels)
		} else if strings.TrimSpace(in.Name) == "" || (in.ChangesetIndex != nil && *in.ChangesetIndex < 0) || in.ChangesetID != strings.ToLower(in.ChangesetID) {
			t.Fatalf("accepted named version %+v", in)
		}
		if in, err := decodeNamedVersionUpdate(body); err != nil {
			checkRejection(t, err, famIModels)
		} else if (in.Name != nil && strings.TrimSpace(*in.Name) == "") || (in.State != nil && !namedVersionStates[*in.State]) {
			t.Fatalf("accepted named version update %+v", in)
		}
	})
}
