package main

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"sync/atomic"
	"time"

	"github.com/doudi-platform/doudi/services/beneficiaries/residentid"
)

// The default reference data's category codes (services/beneficiaries).
var categories = []string{"DIBAO", "LOW_INCOME", "TEKUN", "EXPENDITURE_HARDSHIP", "TEMPORARY_ASSISTANCE", "ORPHAN",
	"UNSUPPORTED_CHILD", "CHILD_IN_DIFFICULTY", "LEFT_BEHIND_CHILD", "ELDERLY_ALONE", "EMPTY_NEST_ELDERLY",
	"ADVANCED_AGE", "SEVERE_DISABILITY", "DISABILITY", "SERIOUS_ILLNESS", "LEFT_BEHIND_ELDERLY", "OTHER"}

var surnames = []string{"陈", "李", "黄", "张", "梁", "何", "罗", "刘", "钟", "林"}
var given = []string{"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军"}

// idSpace is how many distinct numbers persons can make: every birth date
// from 1940-01-01 on (20,000 days, until 1994) × 500 sequences × 2 genders
// × 8 area codes. A run starts at a random offset in it, so that runs
// against the same long-lived platform (scripts/dev.sh) rarely collide.
const (
	idDays  = 20000
	idSpace = idDays * 500 * 8
)

var idBase = func() int64 {
	n, err := rand.Int(rand.Reader, big.NewInt(idSpace))
	if err != nil {
		panic(err)
	}
	return n.Int64()
}()

// persons hands out person bodies with unique, valid resident ID numbers.
type persons struct {
	next atomic.Int64
}

// body is the JSON body of the n-th person of the run, in household (a
// resource name "tenants/…/households/…").
func (p *persons) body(household string) map[string]any {
	n := p.next.Add(1)
	i := (idBase + n*7919) % idSpace // 7919 is prime and coprime to idSpace: no repeats within idSpace
	birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(i%idDays))
	male := n%2 == 0
	rest := i / idDays
	gender := "GENDER_FEMALE"
	if male {
		gender = "GENDER_MALE"
	}
	return map[string]any{
		"full_name": surnames[n%int64(len(surnames))] + given[n/7%int64(len(given))], "gender": gender,
		"birth_date": birth.Format("2006-01-02"), "id_number": idNumber(int(rest/500), int(rest%500), birth, male),
		"phone": fmt.Sprintf("13%d%08d", 5+n%5, n%100000000), "household": household,
		"relationship_to_head": "RELATIONSHIP_OTHER_RELATIVE", "categories": []string{categories[n%int64(len(categories))]},
		"registration_date": "2024-03-01", "health_notes": "高血压",
	}
}

// idNumber makes a valid resident ID number (GB 11643): a Guangzhou area
// code, the birth date, a sequence whose last digit carries the gender (odd
// for men), and the ISO 7064 MOD 11-2 check character.
func idNumber(area, seq int, birth time.Time, male bool) string {
	areas := []string{"440118", "440183", "440111", "440112", "440113", "440114", "440115", "440117"}
	s := seq * 2
	if male {
		s++
	}
	body := fmt.Sprintf("%s%s%03d", areas[area%len(areas)], birth.Format("20060102"), s)
	return residentid.Complete(body)
}
