//! The Autotask PSA REST client: zone discovery, queries, tickets, companies, picklists.
