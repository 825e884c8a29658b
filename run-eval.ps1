<#
.SYNOPSIS
    Runs an extrapolation evaluation suite end to end: build, validate, run, report, compare.

.DESCRIPTION
    Builds the harness once, validates the suite (nothing runs and nothing is stored if it is invalid), runs every
    case not yet stored in the database, writes the HTML report, and compares the run with a baseline run of the
    same suite. The CLI's progress goes straight to the console; -Verbose also shows each CLI command line.

    Exit codes are the CLI's: 0 ok, 1 some case failed (the report is still written), 2 invalid input (also a
    failed build), 3 a regression found by the comparison (it wins over 1: a gate must see it). A parameter that
    PowerShell itself rejects (an unknown name, a value of the wrong type) exits 1 with PowerShell's message.

    Runs of a suite share one database by default, so history accumulates and -Baseline previous works.
    Relative paths given as parameters are taken from the caller's current location; the defaults live beside
    this script, so it runs the same from any folder.

.PARAMETER Suite
    Suite file. Default: suites/quick.yaml beside this script (the embedded default: the bundled zoo, every
    strategy family).

.PARAMETER Database
    Result database (SQLite). Default: results/eval.db beside this script.

.PARAMETER ReportFolder
    Folder for report.html and its charts. Default: results/report-<suite file name> beside this script.

.PARAMETER Device
    cpu or cuda. Overrides the suite's device (cuda needs a build with -p:TorchBackend=cuda).

.PARAMETER Shard
    Run only shard i of n, e.g. 2/4 (Slurm arrays, Kubernetes indexed jobs); give each shard its own -Database
    and combine them with `eval merge OUT.db IN.db...`.

.PARAMETER Jobs
    Run as this many worker processes on this machine, each with cores / Jobs libtorch threads (eval run --jobs).
    Default 1. On a small CPU, 2 single-thread workers did 1.4x the work of one 2-thread process (README).

.PARAMETER Force
    Recompute cases already stored instead of reusing their figures.

.PARAMETER ReportOnly
    Run nothing: write the report (and compare) for the latest run in the database.

.PARAMETER Baseline
    Run id to compare against, "previous" (the latest earlier run of the same suite) or "none". Default: previous.

.PARAMETER Tolerance
    Allowed relative perplexity rise and absolute passkey-accuracy drop before the comparison calls a change a
    regression. Default: 0.05.

.PARAMETER NoBuild
    Use the harness as already built (for example by an earlier run of this script) instead of building it.

.PARAMETER Configuration
    Build configuration: Release or Debug. Default: Release.

.EXAMPLE
    pwsh ./run-eval.ps1

    Runs the default suite into results/eval.db, writes results/report-quick/report.html and compares with the
    previous run of the suite.

.EXAMPLE
    pwsh ./run-eval.ps1 -Suite suites/smoke.yaml -Database /tmp/smoke.db -Verbose

    A one-minute check of the whole pipeline into its own database, showing each CLI command line.

.EXAMPLE
    pwsh ./run-eval.ps1 -Suite suites/llama2-7b-yarn.yaml -Device cuda -Database /data/evals/llama.db

.EXAMPLE
    pwsh ./run-eval.ps1 -Suite suites/smoke.yaml -Shard 2/4 -Database results/smoke-2.db -Baseline none

    Runs the second of four shards into its own database and skips the comparison (compare after `eval merge`).

.EXAMPLE
    pwsh ./run-eval.ps1 -ReportOnly -Baseline 20261120-010203-ab12

    Writes the report for the latest stored run and compares it with run 20261120-010203-ab12.
#>
[CmdletBinding()]
param(
    [string] $Suite = '',
    [string] $Database = '',
    [string] $ReportFolder = '',
    [ArgumentCompletions('cpu', 'cuda')] [string] $Device = '',
    [string] $Shard = '',
    [ValidateRange(1, 64)] [int] $Jobs = 1,
    [switch] $Force,
    [switch] $ReportOnly,
    [string] $Baseline = 'previous',
    [double] $Tolerance = 0.05,
    [switch] $NoBuild,
    [ArgumentCompletions('Release', 'Debug')] [string] $Configuration = 'Release'
)

Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'

$root = $PSScriptRoot
$project = Join-Path (Join-Path $root 'src') 'Eval.Cli'

# Writes to the error stream without stopping (ErrorActionPreference is Stop), then exits with the given code.
function Exit-WithError([string] $Message, [int] $Code) {
    Write-Error -Message $Message -ErrorAction Continue
    exit $Code
}

# A parameter's path, relative to the caller's current location; an empty one takes the default beside this script.
function Resolve-UserPath([string] $Path, [string] $Default) {
    if ($Path -eq '') { return Join-Path $root $Default }
    return $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
}

# Runs the CLI with its output going straight to the console (a function that returned the output would swallow
# the progress and mix the lines into its result); the caller reads $LASTEXITCODE.
function Invoke-Eval([string[]] $Arguments) {
    Write-Verbose ("dotnet $dll " + (($Arguments | ForEach-Object { if ($_ -match '\s') { "'$_'" } else { $_ } }) -join ' '))
    & dotnet $dll @Arguments
}

if ($Configuration -notin 'Release', 'Debug') {
    Exit-WithError "-Configuration '$Configuration' is not valid. Valid: Release, Debug." 2
}
# eval compare would refuse it too, but only after the whole suite had run: check it before anything starts.
if (-not ($Tolerance -ge 0)) {
    Exit-WithError "-Tolerance $Tolerance is not valid: it must be a number >= 0 (the allowed relative perplexity rise / absolute accuracy drop; default 0.05); nothing was run." 2
}
$dll = Join-Path (Join-Path (Join-Path (Join-Path $project 'bin') $Configuration) 'net10.0') 'eval.dll'
$suitePath = Resolve-UserPath $Suite (Join-Path 'suites' 'quick.yaml')
$databasePath = Resolve-UserPath $Database (Join-Path 'results' 'eval.db')
$suiteName = [System.IO.Path]::GetFileNameWithoutExtension($suitePath)
$reportPath = Resolve-UserPath $ReportFolder (Join-Path 'results' "report-$suiteName")

if (-not $NoBuild) {
    Write-Host "Building the harness ($Configuration)..."
    Write-Verbose "dotnet build $project --configuration $Configuration"
    & dotnet build $project --configuration $Configuration --nologo --verbosity quiet
    if ($LASTEXITCODE -ne 0) { Exit-WithError "The build failed (dotnet build exited with $LASTEXITCODE)." 2 }
}
elseif (-not (Test-Path -LiteralPath $dll -PathType Leaf)) {
    Exit-WithError "-NoBuild: $dll does not exist; run once without -NoBuild (or dotnet build $project -c $Configuration)." 2
}

Invoke-Eval @('validate', $suitePath)
if ($LASTEXITCODE -ne 0) { Exit-WithError "Suite $suitePath is not valid (eval validate exited with $LASTEXITCODE); nothing was run." $LASTEXITCODE }

$runCode = 0
if (-not $ReportOnly) {
    $runArguments = @('run', $suitePath, '--db', $databasePath)
    if ($Device -ne '') { $runArguments += @('--device', $Device) }
    if ($Shard -ne '') { $runArguments += @('--shard', $Shard) }
    if ($Jobs -gt 1) { $runArguments += @('--jobs', [string] $Jobs) }
    if ($Force) { $runArguments += @('--force') }
    Invoke-Eval $runArguments
    $runCode = $LASTEXITCODE
    if ($runCode -eq 1) { Write-Warning 'Some cases failed or the run was interrupted; the report shows which.' }
    elseif ($runCode -ne 0) { Exit-WithError "eval run exited with $runCode." $runCode }
}

Invoke-Eval @('report', '--db', $databasePath, '--run', 'latest', '--out', $reportPath)
if ($LASTEXITCODE -ne 0) { Exit-WithError "eval report exited with $LASTEXITCODE." $LASTEXITCODE }

if ($Baseline -ne 'none') {
    # With --out the comparison is written into the same report, which then holds its regression section.
    Invoke-Eval @('compare', '--db', $databasePath, '--baseline', $Baseline, '--candidate', 'latest',
        '--tolerance', $Tolerance.ToString([System.Globalization.CultureInfo]::InvariantCulture), '--out', $reportPath)
    $compareCode = $LASTEXITCODE
    if ($compareCode -eq 3) { Exit-WithError 'Regression found: see the comparison above and in the report.' 3 }
    if ($compareCode -ne 0) { Exit-WithError "eval compare exited with $compareCode." $compareCode }
}

Write-Host "Report: $(Join-Path $reportPath 'report.html')"
exit $runCode
