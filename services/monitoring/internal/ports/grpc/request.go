package grpc

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"

	"github.com/doudi-platform/doudi/services/platform/kit"
)

// Page sizes (AIP-158).
const (
	defaultPageSize = 50
	maxPageSize     = 500
)

// checks collects every invalid field of a request, so that a client
// learns of all of them at once.
type checks struct {
	violations []kit.FieldViolation
}

func (c *checks) fail(field, format string, args ...any) {
	c.violations = append(c.violations, kit.FieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

func (c *checks) err() error {
	if len(c.violations) == 0 {
		return nil
	}
	fields := make([]string, len(c.violations))
	for i, v := range c.violations {
		fields[i] = v.Field
	}
	return kit.StatusError(codes.InvalidArgument, "INVALID_ARGUMENT",
		"invalid "+strings.Join(fields, ", "), c.violations...)
}

var codePattern = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

func (c *checks) tenant(s string) string {
	if s == "" {
		c.fail("tenant", "is required")
	} else if !codePattern.MatchString(s) {
		c.fail("tenant", "must be a tenant code: letters, digits, '_', '-' or '.', at most 64")
	}
	return s
}

// code checks an optional filter code (village, category, staff id).
func (c *checks) code(field, s string) string {
	if s != "" && !codePattern.MatchString(s) {
		c.fail(field, "must be a code: letters, digits, '_', '-' or '.', at most 64")
	}
	return s
}

func (c *checks) required(field, s string) {
	if s == "" {
		c.fail(field, "is required")
	}
}

func (c *checks) uuid(field, s string) string {
	if s == "" {
		return ""
	}
	id, err := uuid.Parse(s)
	if err != nil {
		c.fail(field, "must be a UUID")
		return ""
	}
	return id.String()
}

func (c *checks) tier(field string, n int32) int {
	if n < 0 || n > 4 {
		c.fail(field, "must be 1 to 4, or 0 for any")
		return 0
	}
	return int(n)
}

// date reads "YYYY-MM-DD"; empty means def.
func (c *checks) date(field, s string, def time.Time) time.Time {
	if s == "" {
		return def
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil || d.Year() < 1900 || d.Year() > 2200 {
		c.fail(field, "must be a date YYYY-MM-DD")
		return def
	}
	return d
}

// month reads "YYYY-MM" and returns the month's last day too.
func (c *checks) month(field, s string) (string, time.Time) {
	if s == "" {
		c.fail(field, "is required, as YYYY-MM")
		return "", time.Time{}
	}
	m, err := time.Parse("2006-01", s)
	if err != nil || m.Year() < 1900 || m.Year() > 2200 {
		c.fail(field, "must be a month YYYY-MM")
		return "", time.Time{}
	}
	return s, m.AddDate(0, 1, -1)
}

func (c *checks) pageSize(n int32) int {
	switch {
	case n < 0:
		c.fail("page_size", "must not be negative")
		return defaultPageSize
	case n == 0:
		return defaultPageSize
	}
	return min(int(n), maxPageSize)
}

// pageToken is the opaque keyset position of a list. Filter is a
// fingerprint of the request's filters: a token works only with the
// filters it was issued for.
type pageToken struct {
	Filter uint64   `json:"f"`
	Key    []string `json:"k"`
}

// fingerprint hashes a list's filters.
func fingerprint(parts ...any) uint64 {
	h := fnv.New64a()
	for _, p := range parts {
		fmt.Fprintf(h, "%v\x00", p)
	}
	return h.Sum64()
}

func encodeToken(filter uint64, key ...string) string {
	b, _ := json.Marshal(pageToken{Filter: filter, Key: key})
	return base64.RawURLEncoding.EncodeToString(b)
}

// token decodes a page token into a key of n parts; nil for the first page.
func (c *checks) token(s string, filter uint64, n int) []string {
	if s == "" {
		return nil
	}
	var t pageToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	switch {
	case err != nil || len(t.Key) != n:
		c.fail("page_token", "is not a token this API returned")
	case t.Filter != filter:
		c.fail("page_token", "was issued for other filters; repeat the request's filters or start from the first page")
	default:
		return t.Key
	}
	return nil
}
