variable "environment" {
  type    = string
  default = "dev"
}

variable "location" {
  type    = string
  default = "westeurope"
}

variable "kubernetes_version" {
  type    = string
  default = "1.31.5"
}

variable "vnet_cidr" {
  type    = string
  default = "10.20.0.0/16"
}
