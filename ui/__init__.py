"""The app's own code that is not a page: session-state keys, config, figure builders, live view."""
