//! Every SQL statement of the program: one module per aggregate, migrations, the embedded
//! PostgreSQL cluster and the connection pool.
