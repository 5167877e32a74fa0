cluster_name  = "from-tfvars"
public_access = true
