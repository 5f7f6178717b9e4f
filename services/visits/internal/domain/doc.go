// Package domain is the visits service's pure domain: the station's daily
// outreach work of DOMAIN.md §2, as event-sourced aggregates in the
// sub-packages
//
//   - visit: a home visit, scheduled and then completed, cancelled or missed;
//   - theme: the home-visit theme of a tenant's month;
//   - cardedition: an edition of the policy explainer card, and the cards of
//     an edition handed out;
//   - outreach: a publicity event in a village;
//   - hotline: a call on the 24-hour hotline, triaged and followed up;
//   - assignment: the villages a social worker holds, and their station days.
//
// Nothing here does I/O. The app layer loads events, passes time, policy and
// a domainkit.Sealer in, checks references to other aggregates and services
// (persons, villages, editions) against its local views, and stores what the
// aggregates record. Shared value types and validation come from the
// platform's domainkit.
package domain
