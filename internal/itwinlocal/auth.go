package itwinlocal

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// PlatformScope is the one OAuth scope the local server issues and accepts (§1.2, §11o).
const PlatformScope = "itwin-platform"

// signingKeys are persisted in the meta table so tokens and pre-signed URLs survive a restart.
type signingKeys struct {
	jwt *ecdsa.PrivateKey // ES256: access tokens; the public half is in the JWKS
	kid string
	url []byte // HMAC-SHA256 key for pre-signed blob URLs and consent links
}

func loadSigningKeys(ctx context.Context, st *Store) (*signingKeys, error) {
	der, err := st.metaGetOrCreate(ctx, "jwt_es256_key", func() ([]byte, error) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		return x509.MarshalPKCS8PrivateKey(k)
	})
	if err != nil {
		return nil, err
	}
	pk, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	ek, ok := pk.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("itwinlocal: stored JWT key is not ECDSA")
	}
	uk, err := st.metaGetOrCreate(ctx, "url_hmac_key", func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil {
		return nil, err
	}
	pub, _ := x509.MarshalPKIXPublicKey(&ek.PublicKey)
	sum := sha256.Sum256(pub)
	return &signingKeys{jwt: ek, kid: hex.EncodeToString(sum[:8]), url: uk}, nil
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// tokenClaims is the JWT payload (§9.1: iss, sub, aud, scope, numeric exp).
type tokenClaims struct {
	Iss      string `json:"iss"`
	Sub      string `json:"sub"`
	Aud      string `json:"aud"`
	Scope    string `json:"scope"`
	ClientID string `json:"client_id"`
	Iat      int64  `json:"iat"`
	Nbf      int64  `json:"nbf"`
	Exp      int64  `json:"exp"`
	Jti      string `json:"jti"`
}

var b64 = base64.RawURLEncoding

func (k *signingKeys) sign(claims tokenClaims) (string, error) {
	hdr, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT", "kid": k.kid})
	pl, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64.EncodeToString(hdr) + "." + b64.EncodeToString(pl)
	h := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, k.jwt, h[:])
	if err != nil {
		return "", err
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + b64.EncodeToString(sig), nil
}

func (k *signingKeys) verify(tok string) (*tokenClaims, bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, false
	}
	var hdr struct{ Alg string }
	hb, err := b64.DecodeString(parts[0])
	if err != nil || json.Unmarshal(hb, &hdr) != nil || hdr.Alg != "ES256" {
		return nil, false
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, false
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(&k.jwt.PublicKey, h[:], r, s) {
		return nil, false
	}
	pb, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, false
	}
	var c tokenClaims
	if json.Unmarshal(pb, &c) != nil {
		return nil, false
	}
	return &c, true
}

// urlSig signs a pre-signed URL's purpose, object id and expiry.
func (k *signingKeys) urlSig(purpose, id string, exp int64) string {
	m := hmac.New(sha256.New, k.url)
	m.Write([]byte(purpose + "\n" + id + "\n" + strconv.FormatInt(exp, 10)))
	return b64.EncodeToString(m.Sum(nil))
}

// IssueToken mints an access token for clientID with the given space-separated scope, valid for ttl (tests use
// it for expired or scope-less tokens). issuer is the origin put into iss.
func (s *Server) IssueToken(issuer, clientID, scope string, ttl time.Duration) (string, error) {
	now := s.Now()
	return s.keys.sign(tokenClaims{Iss: issuer, Sub: clientID, Aud: PlatformScope, Scope: scope, ClientID: clientID,
		Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(ttl).Unix(), Jti: NewGUID()})
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, wire.TokenError{Error: code, ErrorDescription: desc})
}

// handleToken is the client-credentials token endpoint (§9.1). Errors use the OAuth2 shape, not the envelope.
func (s *Server) handleToken(c *rc) error {
	r := c.r
	r.Body = http.MaxBytesReader(c.w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		tokenError(c.w, 400, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return nil
	}
	form := r.PostForm
	if gt := form.Get("grant_type"); gt != "client_credentials" {
		if gt == "" {
			tokenError(c.w, 400, "invalid_request", "grant_type is required")
		} else {
			tokenError(c.w, 400, "unsupported_grant_type", "only client_credentials is supported")
		}
		return nil
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = form.Get("client_id"), form.Get("client_secret")
	}
	if id == "" {
		tokenError(c.w, 400, "invalid_request", "client_id is required")
		return nil
	}
	cl := s.clients[id]
	if cl == nil || subtle.ConstantTimeCompare([]byte(cl.secret), []byte(secret)) != 1 {
		// §9.1: every token error is a 400 with the OAuth2 body, invalid_client included.
		tokenError(c.w, 400, "invalid_client", "unknown client or wrong secret")
		return nil
	}
	// Clients authenticate as themselves here; the token endpoint has no faults/rate limit of its own.
	for _, sc := range strings.Fields(form.Get("scope")) {
		if sc != PlatformScope {
			tokenError(c.w, 400, "invalid_scope", "the only supported scope is "+PlatformScope)
			return nil
		}
	}
	tok, err := s.IssueToken(c.origin(), cl.ID, PlatformScope, s.cfg.TokenTTL)
	if err != nil {
		return err
	}
	c.w.Header().Set("Cache-Control", "no-store")
	writeJSON(c.w, 200, wire.TokenResponse{AccessToken: tok, TokenType: "Bearer", ExpiresIn: int(s.cfg.TokenTTL / time.Second), Scope: PlatformScope})
	return nil
}

func (s *Server) handleDiscovery(c *rc) error {
	o := c.origin()
	writeJSON(c.w, 200, wire.OpenIDConfiguration{
		Issuer: o, AuthorizationEndpoint: o + "/connect/authorize", TokenEndpoint: o + "/connect/token",
		JWKSURI: o + "/.well-known/jwks.json", ResponseTypesSupported: []string{"code"},
		SubjectTypesSupported: []string{"public"}, IDTokenSigningAlgValuesSupported: []string{"ES256"},
		GrantTypesSupported: []string{"client_credentials"}, ScopesSupported: []string{PlatformScope},
	})
	return nil
}

func (s *Server) handleJWKS(c *rc) error {
	// The uncompressed point encoding is 0x04 || X || Y, 32 bytes each on P-256.
	point, err := s.keys.jwt.PublicKey.Bytes()
	if err != nil {
		return err
	}
	x, y := point[1:33], point[33:65]
	writeJSON(c.w, 200, map[string]any{"keys": []map[string]string{{
		"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": s.keys.kid,
		"x": b64.EncodeToString(x), "y": b64.EncodeToString(y),
	}}})
	return nil
}

// authenticate checks the bearer token (§11o).
func (s *Server) authenticate(r *http.Request) (*client, error) {
	h, ok := r.Header["Authorization"]
	if !ok || len(h) == 0 {
		return nil, errHeaderNotFound
	}
	scheme, tok, found := strings.Cut(strings.TrimSpace(h[0]), " ")
	tok = strings.TrimSpace(tok)
	if !found || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, errInvalidAuthScheme
	}
	claims, ok := s.verifyCached(tok)
	if !ok || claims.Exp <= s.Now().Unix() {
		return nil, errUnauthorized
	}
	cl := s.clients[claims.Sub]
	if cl == nil {
		return nil, errUnauthorized
	}
	if !slices.Contains(strings.Fields(claims.Scope), PlatformScope) {
		return nil, errRequiredScopeMissing
	}
	return cl, nil
}

func hmacEqual(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// tokenCacheSize bounds the verified-token cache; when full it is simply emptied.
const tokenCacheSize = 4096

// verifyCached verifies a token's signature once and remembers the claims: ECDSA verification dominates the
// cost of a request otherwise. Expiry is still checked on every request by the caller.
func (s *Server) verifyCached(tok string) (*tokenClaims, bool) {
	s.tokMu.Lock()
	c, ok := s.tokCache[tok]
	s.tokMu.Unlock()
	if ok {
		return c, true
	}
	c, ok = s.keys.verify(tok)
	if !ok {
		return nil, false
	}
	s.tokMu.Lock()
	if s.tokCache == nil || len(s.tokCache) >= tokenCacheSize {
		s.tokCache = make(map[string]*tokenClaims)
	}
	s.tokCache[tok] = c
	s.tokMu.Unlock()
	return c, true
}
