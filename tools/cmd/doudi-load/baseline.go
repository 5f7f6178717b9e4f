package main

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doudi-platform/doudi/services/beneficiaries/residentid"
)

// baseline is DESIGN.md's yardstick for REST writes: "a plain net/http +
// pgx handler that validates the same JSON and INSERTs one row". It serves
// POST /v1/tenants/{tenant}/persons on 127.0.0.1 with the gateway's API-key
// check, decodes the same body strictly, validates it as the beneficiaries
// service does (ID number, dates, enums, categories), inserts one row into
// a scratch table and answers 201 with the person. No events, no
// encryption, no gRPC hop, no relay: what a write costs at the least.
type baseline struct {
	pool    *pgxpool.Pool
	keyHash [32]byte
	server  *http.Server
	URL     string
}

// startBaseline connects to databaseURL (creating the database when it is
// missing), creates the scratch table and serves on a free port. Size the
// pool like a service's (DB_MAX_CONNS default 16).
func startBaseline(ctx context.Context, databaseURL, key string, conns int32) (*baseline, error) {
	if err := ensureDatabase(ctx, databaseURL); err != nil {
		return nil, err
	}
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = conns
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS baseline_persons (
		person_id uuid PRIMARY KEY, tenant text NOT NULL, household_id uuid NOT NULL,
		full_name text NOT NULL, gender text NOT NULL, birth_date date NOT NULL, id_number text NOT NULL,
		phone text NOT NULL, address text NOT NULL, health_notes text NOT NULL, relationship text NOT NULL,
		categories text[] NOT NULL, registered_on date NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
		UNIQUE (tenant, id_number))`); err != nil {
		pool.Close()
		return nil, fmt.Errorf("baseline: create table: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		pool.Close()
		return nil, err
	}
	b := &baseline{pool: pool, keyHash: sha256.Sum256([]byte(key)), URL: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/tenants/{tenant}/persons", b.createPerson)
	b.server = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = b.server.Serve(ln) }()
	return b, nil
}

func (b *baseline) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = b.server.Shutdown(ctx)
	b.pool.Close()
}

// personIn is the create-person body, as the gateway accepts it.
type personIn struct {
	FullName     string   `json:"full_name"`
	Gender       string   `json:"gender"`
	BirthDate    string   `json:"birth_date"`
	IDNumber     string   `json:"id_number"`
	Phone        string   `json:"phone"`
	Address      string   `json:"address"`
	HealthNotes  string   `json:"health_notes"`
	Household    string   `json:"household"`
	Relationship string   `json:"relationship_to_head"`
	Categories   []string `json:"categories"`
	Registered   string   `json:"registration_date"`
}

type violation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

var (
	householdName = regexp.MustCompile(`^tenants/([A-Za-z0-9_.-]{1,64})/households/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
	mobile        = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
	relationships = map[string]bool{"RELATIONSHIP_SELF": true, "RELATIONSHIP_SPOUSE": true, "RELATIONSHIP_CHILD": true,
		"RELATIONSHIP_PARENT": true, "RELATIONSHIP_GRANDCHILD": true, "RELATIONSHIP_GRANDPARENT": true,
		"RELATIONSHIP_SIBLING": true, "RELATIONSHIP_OTHER_RELATIVE": true, "RELATIONSHIP_NON_RELATIVE": true}
	categorySet = func() map[string]bool {
		m := map[string]bool{}
		for _, c := range categories {
			m[c] = true
		}
		return m
	}()
	provinces = map[string]bool{"11": true, "12": true, "13": true, "14": true, "15": true, "21": true, "22": true, "23": true,
		"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true, "41": true, "42": true, "43": true,
		"44": true, "45": true, "46": true, "50": true, "51": true, "52": true, "53": true, "54": true, "61": true, "62": true,
		"63": true, "64": true, "65": true, "71": true, "81": true, "82": true, "83": true}
)

func (b *baseline) createPerson(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if h := sha256.Sum256([]byte(key)); !ok || subtle.ConstantTimeCompare(h[:], b.keyHash[:]) != 1 {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"code": 16, "message": "a valid API key is required"})
		return
	}
	tenant := r.PathValue("tenant")
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	var p personIn
	if err := dec.Decode(&p); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 3, "message": "invalid JSON: " + err.Error()})
		return
	}
	var vs []violation
	bad := func(field, why string) { vs = append(vs, violation{field, why}) }
	if n := utf8.RuneCountInString(strings.TrimSpace(p.FullName)); n < 1 || n > 50 {
		bad("person.full_name", "must be 1–50 characters")
	}
	today := time.Now()
	birth, err := time.Parse("2006-01-02", p.BirthDate)
	if err != nil || birth.Year() < 1900 || birth.After(today) {
		bad("person.birth_date", "must be a date YYYY-MM-DD from 1900, not in the future")
	}
	male := p.Gender == "GENDER_MALE"
	if !male && p.Gender != "GENDER_FEMALE" {
		bad("person.gender", "must be GENDER_MALE or GENDER_FEMALE")
	}
	id := strings.ToUpper(strings.TrimSpace(p.IDNumber))
	if why := checkIDNumber(id, today); why != "" {
		bad("person.id_number", why)
	} else {
		if id[6:14] != birth.Format("20060102") {
			bad("person.birth_date", "does not match the birth date in the ID number")
		}
		if ((id[16]-'0')%2 == 1) != male {
			bad("person.gender", "does not match the gender in the ID number")
		}
	}
	phone := strings.TrimPrefix(p.Phone, "+86")
	if phone != "" && !mobile.MatchString(phone) {
		bad("person.phone", "must be a mainland mobile number")
	}
	if utf8.RuneCountInString(p.Address) > 200 {
		bad("person.address", "at most 200 characters")
	}
	if utf8.RuneCountInString(p.HealthNotes) > 2000 {
		bad("person.health_notes", "at most 2,000 characters")
	}
	m := householdName.FindStringSubmatch(p.Household)
	if m == nil || m[1] != tenant {
		bad("person.household", "must be tenants/"+tenant+"/households/{uuid}")
	}
	if !relationships[p.Relationship] {
		bad("person.relationship_to_head", "is not a relationship")
	}
	seen := map[string]bool{}
	for _, c := range p.Categories {
		if !categorySet[c] || seen[c] {
			bad("person.categories", "unknown or repeated category "+c)
		}
		seen[c] = true
	}
	if len(p.Categories) == 0 {
		bad("person.categories", "at least one")
	}
	registered := today
	if p.Registered != "" {
		if registered, err = time.Parse("2006-01-02", p.Registered); err != nil || registered.Before(birth) {
			bad("person.registration_date", "must be a date YYYY-MM-DD, not before the birth date")
		}
	}
	if len(vs) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 3, "message": "invalid request", "details": vs})
		return
	}
	personID := newKey()
	_, err = b.pool.Exec(r.Context(), `INSERT INTO baseline_persons (person_id, tenant, household_id, full_name, gender,
		birth_date, id_number, phone, address, health_notes, relationship, categories, registered_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		personID, tenant, m[2], p.FullName, p.Gender, birth, id, phone, p.Address, p.HealthNotes, p.Relationship,
		p.Categories, registered)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "23505":
		writeJSON(w, http.StatusConflict, map[string]any{"code": 6, "message": "the ID number is registered already"})
		return
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, map[string]any{"code": 13, "message": "internal error"})
		return
	}
	name := "tenants/" + tenant + "/persons/" + personID
	w.Header().Set("Location", "/v1/"+name)
	w.Header().Set("ETag", `"1"`)
	writeJSON(w, http.StatusCreated, map[string]any{"person": map[string]any{"name": name, "fullName": p.FullName,
		"gender": p.Gender, "birthDate": p.BirthDate, "idNumber": id[:4] + "**********" + id[14:], "household": p.Household,
		"relationshipToHead": p.Relationship, "categories": p.Categories, "registrationDate": registered.Format("2006-01-02"),
		"etag": "1"}})
}

// checkIDNumber is the reason id (upper-cased, trimmed) is not a valid
// resident ID number, or "".
func checkIDNumber(id string, today time.Time) string {
	if len(id) != 18 {
		return "must be 18 characters"
	}
	for k := 0; k < 17; k++ {
		if id[k] < '0' || id[k] > '9' {
			return "must be 17 digits and a digit or X"
		}
	}
	if residentid.CheckChar(id[:17]) != id[17] {
		return "check digit is wrong"
	}
	if !provinces[id[:2]] {
		return "region code is not a province of China"
	}
	birth, err := time.Parse("20060102", id[6:14])
	if err != nil {
		return "birth date in the number is not a real date"
	}
	if birth.After(today) {
		return "birth date in the number is in the future"
	}
	return ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ensureDatabase creates the database url names when it does not exist,
// connecting to the server's "postgres" database to do so.
func ensureDatabase(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	name := cfg.Database
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		return conn.Close(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name
		return err
	}
	cfg.Database = "postgres"
	conn, err = pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize())
	if errors.As(err, &pgErr) && pgErr.Code == "42P04" { // created meanwhile
		err = nil
	}
	return err
}

// dropDatabases drops the databases the URLs name (a benchmark run's
// scratch databases), connecting to the server's "postgres" database.
func dropDatabases(ctx context.Context, urls []string) error {
	var errs []error
	for _, url := range urls {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		name := cfg.Database
		cfg.Database = "postgres"
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		_, err = conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
		if err != nil {
			errs = append(errs, fmt.Errorf("drop %s: %w", name, err))
		}
		_ = conn.Close(ctx)
	}
	return errors.Join(errs...)
}
