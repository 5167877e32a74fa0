cluster_name = "prod"
api_cidrs    = ["198.51.100.0/24"]
