// FlowForge on Azure Durable Functions: the Function App (Linux, .NET isolated, Flex Consumption), its storage
// account (AzureWebJobsStorage: Durable Task's task hub, and the execution log's tables), optional Application
// Insights, and optional Azure SignalR Service in serverless mode for live progress.
//
// Why Flex Consumption (FC1) rather than Elastic Premium (EP1): it scales to zero between bursts of webhooks and
// schedules (EP1 bills at least one always-ready instance, about 150 USD a month), it supports VNet integration (to
// reach a private PostgreSQL for the server's store) and Durable Functions with the Azure Storage backend, and it
// is the plan Microsoft recommends for new serverless Linux apps (Linux Consumption is being retired). Cold starts
// are its cost: set alwaysReadyInstances for the HTTP group if webhook latency matters.
//
// Deploy:  az deployment group create -g <rg> -f infra/azure/main.bicep -p infra/azure/main.bicepparam \
//          with FLOWFORGE_STORE_CONNECTION_STRING='Host=…;Database=flowforge;Username=…;Password=…' exported
// Checked with `bicep build` and `bicep lint` 0.49.2 (NuGet Azure.Bicep.CommandLine.linux-x64); never deployed from here.

targetScope = 'resourceGroup'

@description('Prefix of resource names: lowercase letters and digits.')
@minLength(3)
@maxLength(11)
param namePrefix string = 'flowforge'

param location string = resourceGroup().location

@description('The server store (workflows, versions, triggers, API keys, credentials, send ledger, outbox): PostgreSQL in production.')
@allowed([ 'postgres', 'sqlite' ])
param storeProvider string = 'postgres'

@description('The server store\'s connection string (Storage__ConnectionString): the same database the FlowForge server uses.')
@secure()
@minLength(1)
param storeConnectionString string

@description('Optional bootstrap API key (Auth__BootstrapApiKey), as on the server. Empty: none.')
@secure()
param bootstrapApiKey string = ''

@description('Application Insights for the Function App\'s logs and traces.')
param enableApplicationInsights bool = true

@description('Azure SignalR Service (serverless) for live progress. Without it clients poll the execution detail.')
param enableSignalR bool = false

@description('SignalR Service SKU: Free_F1 (20 connections, for trials) or Standard_S1.')
@allowed([ 'Free_F1', 'Standard_S1' ])
param signalRSku string = 'Free_F1'

@description('Origins allowed to connect to SignalR Service (the web app\'s URL). ["*"] allows any.')
param signalRAllowedOrigins array = [ '*' ]

@description('.NET version of the isolated worker runtime on Flex Consumption.')
param dotnetVersion string = '10.0'

@description('Flex Consumption: most instances the app scales out to.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Flex Consumption: memory of each instance (MB).')
@allowed([ 512, 2048, 4096 ])
param instanceMemoryMB int = 2048

var suffix = uniqueString(resourceGroup().id, namePrefix)
var storageName = take('${namePrefix}${suffix}', 24)
var deploymentContainer = 'app-package'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    supportsHttpsTrafficOnly: true
    // The execution log and the deployment package use the account key (connection strings): see the settings below.
    allowSharedKeyAccess: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packageContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
  properties: { publicAccess: 'None' }
}

var storageConnectionString = 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value};EndpointSuffix=${environment().suffixes.storage}'

resource insights 'Microsoft.Insights/components@2020-02-02' = if (enableApplicationInsights) {
  name: '${namePrefix}-insights-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
  }
}

resource signalR 'Microsoft.SignalRService/signalR@2023-02-01' = if (enableSignalR) {
  name: '${namePrefix}-signalr-${suffix}'
  location: location
  kind: 'SignalR'
  sku: {
    name: signalRSku
    capacity: 1
  }
  properties: {
    // Serverless: no hub server connects; the Functions app sends through the REST API and mints client tokens.
    features: [
      { flag: 'ServiceMode', value: 'Serverless' }
    ]
    cors: {
      allowedOrigins: signalRAllowedOrigins
    }
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: '${namePrefix}-plan-${suffix}'
  location: location
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

// Flex Consumption sets the runtime in functionAppConfig: FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION
// are refused as app settings there.
var baseSettings = [
  { name: 'AzureWebJobsStorage', value: storageConnectionString }
  { name: 'DEPLOYMENT_STORAGE_CONNECTION_STRING', value: storageConnectionString }
  { name: 'Storage__Provider', value: storeProvider }
  { name: 'Storage__ConnectionString', value: storeConnectionString }
  { name: 'FlowForge__Tables__TablePrefix', value: 'flowforge' }
]
var bootstrapSettings = empty(bootstrapApiKey) ? [] : [
  { name: 'Auth__BootstrapApiKey', value: bootstrapApiKey }
]
var insightsSettings = enableApplicationInsights ? [
  { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights!.properties.ConnectionString }
] : []
var signalRSettings = enableSignalR ? [
  { name: 'Azure__SignalR__ConnectionString', value: signalR!.listKeys().primaryConnectionString }
] : []

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: '${namePrefix}-func-${suffix}'
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: {
            type: 'StorageAccountConnectionString'
            storageAccountConnectionStringName: 'DEPLOYMENT_STORAGE_CONNECTION_STRING'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat(baseSettings, bootstrapSettings, insightsSettings, signalRSettings)
    }
  }
  dependsOn: [ packageContainer ]
}

output functionAppName string = functionApp.name
output functionAppUrl string = 'https://${functionApp.properties.defaultHostName}'
output storageAccountName string = storage.name
output signalREndpoint string = enableSignalR ? 'https://${signalR!.properties.hostName}' : ''
