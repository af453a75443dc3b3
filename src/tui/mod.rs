//! The full-screen terminal interface: setup/teardown, the event loop, `App` state, actions,
//! views and widgets. Views render from state only; database work runs in spawned tasks.
