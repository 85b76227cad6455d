output "node_subnet_id" {
  value = azurerm_subnet.nodes.id
}
