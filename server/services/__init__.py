"""Services: each public method is one transaction that writes the change and its log event together."""
