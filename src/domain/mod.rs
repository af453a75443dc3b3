//! Pure business rules: status normalisation, override matching, schedule learning, missed-slot
//! computation, ticket codes, PSA ticket text. No I/O, no async, no clock reads: time and timezone
//! are passed in by the caller.

pub mod company_match;
pub mod customer_suggestion;
pub mod customers_csv;
pub mod feedback;
pub mod history;
pub mod jobs_document;
pub mod listing_order;
pub mod missed;
pub mod overrides;
pub mod psa_ticket;
pub mod report;
pub mod report_schedule;
pub mod roles;
pub mod run_status;
pub mod schedule;
mod schedule_json;
pub mod schedule_text;
pub mod status;
pub mod subject_shape;
pub mod ticket_code;
pub mod wording;
