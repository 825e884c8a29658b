<#
.SYNOPSIS
    Runs an extrapolation evaluation suite end to end: build, validate, run, report, compare.

.DESCRIPTION
    Builds the harness once in Release, validates the suite (nothing runs if it is invalid), runs every case not
    yet stored in the database, renders the HTML report, and compares the run against a baseline run of the same
    suite. Exits with the CLI's code: 0 ok, 1 some case failed, 2 invalid input, 3 regression found by compare.
    Runs of the same suite share one database by default, so history accumulates and -Baseline previous works.

.PARAMETER Suite
    Suite file. Default: suites/quick.yaml (the embedded default: the bundled zoo, every strategy family).

.PARAMETER Db
    Result database. Default: results/eval.db.

.PARAMETER Out
    Folder for the report. Default: results/report-<suite name>.

.PARAMETER Device
    cpu or cuda. Overrides the suite's device (cuda needs a build with -p:TorchBackend=cuda).

.PARAMETER Shard
    Run only shard i of n, e.g. 2/4 (for Slurm arrays or Kubernetes indexed jobs); merge with `eval merge`.

.PARAMETER Force
    Recompute cases already stored.

.PARAMETER ReportOnly
    Skip the run; render the report (and compare) for the latest run in the database.

.PARAMETER Baseline
    Run id to compare against, or "previous" (the latest earlier run of the same suite), or "none". Default: previous.

.PARAMETER Configuration
    Build configuration. Default: Release.

.EXAMPLE
    pwsh ./run-eval.ps1

.EXAMPLE
    pwsh ./run-eval.ps1 -Suite suites/llama2-7b-yarn.yaml -Device cuda -Db /data/evals/llama.db

.EXAMPLE
    pwsh ./run-eval.ps1 -ReportOnly -Baseline 20261120-010203-ab12
#>
[CmdletBinding()]
param(
    [string] $Suite = (Join-Path 'suites' 'quick.yaml'),
    [string] $Db = (Join-Path 'results' 'eval.db'),
    [string] $Out = '',
    [ValidateSet('', 'cpu', 'cuda')] [string] $Device = '',
    [string] $Shard = '',
    [switch] $Force,
    [switch] $ReportOnly,
    [string] $Baseline = 'previous',
    [ValidateSet('Release', 'Debug')] [string] $Configuration = 'Release'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$root = $PSScriptRoot
Set-Location -LiteralPath $root
$project = Join-Path (Join-Path $root 'src') 'Eval.Cli'
$dll = Join-Path (Join-Path (Join-Path (Join-Path $project 'bin') $Configuration) 'net10.0') 'eval.dll'

function Invoke-Eval {
    param([Parameter(Mandatory)] [string[]] $Arguments)
    & dotnet $dll @Arguments
    return $LASTEXITCODE
}

Write-Host "Building the harness ($Configuration)..."
& dotnet build $project --configuration $Configuration --nologo --verbosity quiet
if ($LASTEXITCODE -ne 0) { Write-Error "Build failed (dotnet build exited with $LASTEXITCODE)."; exit 2 }

$code = Invoke-Eval @('validate', $Suite)
if ($code -ne 0) { exit $code }

$suiteName = [System.IO.Path]::GetFileNameWithoutExtension($Suite)
if ($Out -eq '') { $Out = Join-Path 'results' "report-$suiteName" }

$runCode = 0
if (-not $ReportOnly) {
    $runArguments = @('run', $Suite, '--db', $Db)
    if ($Device -ne '') { $runArguments += @('--device', $Device) }
    if ($Shard -ne '') { $runArguments += @('--shard', $Shard) }
    if ($Force) { $runArguments += @('--force') }
    $runCode = Invoke-Eval $runArguments
    if ($runCode -eq 2) { exit 2 }
}

$reportCode = Invoke-Eval @('report', '--db', $Db, '--run', 'latest', '--out', $Out)
if ($reportCode -ne 0) { exit $reportCode }
Write-Host "Report: $(Join-Path $Out 'report.html')"

$compareCode = 0
if ($Baseline -ne 'none') {
    $compareCode = Invoke-Eval @('compare', '--db', $Db, '--baseline', $Baseline, '--candidate', 'latest', '--out', $Out)
}

if ($compareCode -eq 3) { exit 3 }
if ($compareCode -ne 0) { exit $compareCode }
exit $runCode
