api_cidrs = ["0.0.0.0/0"]
