// Parameters for infra/azure/main.bicep. The server store's connection string is secret: it comes from the environment
// (FLOWFORGE_STORE_CONNECTION_STRING, read when the file is compiled), never in this file.
using 'main.bicep'

param namePrefix = 'flowforge'
param storeProvider = 'postgres'
param storeConnectionString = readEnvironmentVariable('FLOWFORGE_STORE_CONNECTION_STRING')
param enableApplicationInsights = true
param enableSignalR = true
param signalRSku = 'Free_F1'
param signalRAllowedOrigins = [ 'https://flowforge.example.com' ]
param dotnetVersion = '10.0'
param maximumInstanceCount = 100
param instanceMemoryMB = 2048
