#!/usr/bin/env python3
"""Writes a Bicep estate for the benchmark in README (Performance): a main.bicep of about
1,000 lines (parameters, variables, NSGs with rules, a hub VNet with subnets written out,
spoke modules called in a loop and one by one, clusters on the modules' subnet outputs),
a modules/spoke.bicep and a main.bicepparam.

Usage: python3 bench/gen-bicep.py OUTDIR
"""
import os
import sys

out = sys.argv[1]
os.makedirs(os.path.join(out, "modules"), exist_ok=True)
L = []
L += ["param location string = 'westeurope'", "param prefix string = 'bench'", "param maxPods int = 30", ""]
L += ["var spokes = ["]
for i in range(8):
    L += ["  {", f"    name: 'spoke{i}'", f"    space: '10.{100 + i}.0.0/16'", f"    nodes: '10.{100 + i}.0.0/22'", "  }"]
L += ["]", ""]
for n in range(12):
    L += [f"resource nsg{n} 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {{",
          f"  name: '${{prefix}}-nsg-{n}'", "  location: location", "  properties: {", "    securityRules: ["]
    for r in range(4):
        L += ["      {", f"        name: 'rule-{r}'", "        properties: {",
              f"          priority: {100 + r * 10}", "          direction: 'Inbound'", "          access: 'Allow'",
              "          protocol: 'Tcp'", f"          sourceAddressPrefix: '10.{n}.{r}.0/24'", "          sourcePortRange: '*'",
              "          destinationAddressPrefix: '*'", f"          destinationPortRange: '{8000 + r}'", "        }", "      }"]
    L += ["    ]", "  }", "}", ""]
L += ["resource hub 'Microsoft.Network/virtualNetworks@2023-09-01' = {", "  name: '${prefix}-hub'", "  location: location",
      "  properties: {", "    addressSpace: {", "      addressPrefixes: ['10.0.0.0/16']", "    }", "    subnets: ["]
for s in range(24):
    L += ["      {", f"        name: 'snet-{s}'", "        properties: {", f"          addressPrefix: '10.0.{s}.0/24'",
          "          networkSecurityGroup: {", f"            id: nsg{s % 12}.id", "          }", "        }", "      }"]
L += ["    ]", "  }", "}", ""]
L += ["module looped 'modules/spoke.bicep' = [for s in spokes: {", "  name: s.name", "  params: {", "    name: s.name",
      "    space: s.space", "    nodes: s.nodes", "    location: location", "  }", "}]", ""]
for c in range(6):
    L += [f"module spoke{c} 'modules/spoke.bicep' = {{", f"  name: 'single{c}'", "  scope: resourceGroup('rg-net')", "  params: {",
          f"    name: 'single{c}'", f"    space: '10.{200 + c}.0.0/16'", f"    nodes: '10.{200 + c}.0.0/22'", "    location: location", "  }", "}", "",
          f"resource aks{c} 'Microsoft.ContainerService/managedClusters@2024-05-01' = {{", f"  name: '${{prefix}}-aks-{c}'",
          "  location: location", "  properties: {", "    kubernetesVersion: '1.31.5'", f"    dnsPrefix: 'aks{c}'",
          "    agentPoolProfiles: [", "      {", "        name: 'system'", "        mode: 'System'", "        count: 10",
          "        maxPods: maxPods", "        vmSize: 'Standard_D4ds_v5'", f"        vnetSubnetID: spoke{c}.outputs.nodeSubnetId", "      }",
          "    ]", "    networkProfile: {", "      networkPlugin: 'azure'", "      networkPolicy: 'azure'",
          "      serviceCidr: '10.250.0.0/16'", "      dnsServiceIP: '10.250.0.10'", "    }", "  }", "}", ""]
while len(L) < 1000:
    i = len(L)
    L += [f"var filler{i} = '${{prefix}}-{i}'"]
open(os.path.join(out, "main.bicep"), "w").write("\n".join(L) + "\n")
open(os.path.join(out, "main.bicepparam"), "w").write("using 'main.bicep'\n\nparam prefix = 'prod'\n")
open(os.path.join(out, "modules", "spoke.bicep"), "w").write("""param name string
param space string
param nodes string
param location string

resource nsg 'Microsoft.Network/networkSecurityGroups@2023-09-01' = {
  name: 'nsg-${name}'
  location: location
}

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: 'vnet-${name}'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: [space]
    }
    subnets: [
      {
        name: 'nodes'
        properties: {
          addressPrefix: nodes
          networkSecurityGroup: {
            id: nsg.id
          }
        }
      }
    ]
  }
}

output nodeSubnetId string = vnet.properties.subnets[0].id
""")
print(len(L), "lines")
