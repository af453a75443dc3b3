//! Pure parsers: raw MIME bytes → normalised mail → report (software, backup type, job name,
//! status, objects). No I/O and no clock reads; an ordered registry picks the first match.
