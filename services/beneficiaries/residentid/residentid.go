// Package residentid computes the check character of a PRC resident ID
// number (GB 11643-1999, ISO 7064 MOD 11-2). It is public so that test
// fixtures, the demo loader and the load tool make valid numbers with the
// same code the beneficiaries service validates them with.
package residentid

import (
	"fmt"
	"time"
)

// weights of the first 17 digits; checkChars maps the weighted sum mod 11.
var (
	weights    = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	checkChars = "10X98765432"
)

// CheckChar is the check character of the first 17 digits of an ID number,
// which the caller guarantees are 17 ASCII digits.
func CheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * weights[i]
	}
	return checkChars[sum%11]
}

// Complete appends the check character to the first 17 digits.
func Complete(first17 string) string { return first17 + string(CheckChar(first17)) }

// Sample is a valid ID number for test person i, and the birth date it
// encodes ("YYYY-MM-DD"): a man registered in Zengcheng (440183), born on
// 1 January 1940 plus i days. Distinct i below 36,500 give distinct numbers.
func Sample(i int) (id, birth string) {
	d := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
	return Complete(fmt.Sprintf("440183%s%02d1", d.Format("20060102"), i%100)), d.Format(time.DateOnly)
}
