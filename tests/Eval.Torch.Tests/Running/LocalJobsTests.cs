using Eval.Cli;
using Eval.Core.Results;
using Eval.Storage;
using Eval.Torch.Tests.Fixtures;

namespace Eval.Torch.Tests.Running;

/// <summary>`eval run --jobs N`: worker processes that each take whole models, and one run recorded from what they stored.</summary>
public class LocalJobsTests : TinySuiteTests
{
    [SetUp]
    public void AddASecondModel()
    {
        // Two models (other weights, so other case hashes), so each of two workers has one to claim.
        using (var model = TinyCheckpoint.RandomModel(TinyCheckpoint.Architecture(trainedLength: 32), seed: 8))
            TinyCheckpoint.Write(model, Path.Combine(root, "suites", "zoo", "tiny-b"));
        File.WriteAllText(suitePath, File.ReadAllText(suitePath).Replace("  - zoo:tiny\n", "  - zoo:tiny\n  - zoo:tiny-b\n"));
    }

    [Test]
    public void Run_WithTwoJobs_EachModelRunsInOneWorker_AndOneRunHoldsFiguresEqualToOneProcess()
    {
        var jobs = Eval("run", suitePath, "--db", Db("jobs.db"), "--jobs", "2");
        var single = Eval("run", suitePath, "--db", Db("single.db"));
        // The longrope cases fail for both models (factor lists too short for head dim 8), in both ways of running.
        Assert.That(jobs.Exit, Is.EqualTo(ExitCodes.CaseFailed), jobs.Out + jobs.Err);
        Assert.That(jobs.Out, Does.Contain("2 workers, ").And.Contain("run ").And.Contain(": 16 completed, 8 failed, 0 missing"), jobs.Out);
        Assert.That(single.Out, Does.Contain("16 computed, 0 reused, 8 failed"), single.Out);

        using var store = ResultStore.Open(Db("jobs.db"));
        var runs = store.ListRuns();
        Assert.That(runs, Has.Count.EqualTo(3), "two worker runs, then the one recorded from them");
        var whole = store.LoadCases(store.GetRun("latest")!.Id);
        Assert.That(whole, Has.Count.EqualTo(24));
        var workerModels = runs.Where(r => r.Id != store.GetRun("latest")!.Id)
            .Select(r => store.LoadCases(r.Id).Select(c => c.Model).Distinct().ToList()).ToList();
        Assert.That(workerModels.SelectMany(m => m), Is.EquivalentTo(new[] { "zoo:tiny", "zoo:tiny-b" }), "each model was claimed by exactly one worker");

        using var reference = ResultStore.Open(Db("single.db"));
        var expected = reference.LoadCases(reference.GetRun("latest")!.Id).ToDictionary(c => c.CaseHash);
        foreach (var computed in whole)
        {
            Assert.That(computed.Status, Is.EqualTo(expected[computed.CaseHash].Status), computed.DisplayName);
            foreach (var metric in computed.Metrics)
                Assert.That(metric.Value, Is.EqualTo(expected[computed.CaseHash].Metric(metric.Name)!.Value).Within(1e-6).Percent,
                    $"{computed.DisplayName} {metric.Name}: one thread per worker sums in another order, nothing more");
        }
        Assert.That(Directory.Exists(Path.Combine(root, "results", ".jobs")), Is.False, "the claims folder is removed");
    }

    [TestCase("--jobs", "0", "--jobs 0 is not valid. Valid: 1 to 64")]
    [TestCase("--jobs", "65", "--jobs 65 is not valid. Valid: 1 to 64")]
    [TestCase("--threads", "0", "--threads 0 is not valid. Valid: 1 to 1024")]
    public void Run_BadJobsOrThreads_IsExit2NamingTheOption_AndStoresNothing(string option, string value, string message)
    {
        var (exit, output, error) = Eval("run", suitePath, "--db", Db(), option, value);
        Assert.That(exit, Is.EqualTo(ExitCodes.InvalidInput), output + error);
        Assert.That(error, Does.Contain(message));
        Assert.That(File.Exists(Db()), Is.False);
    }

    [Test]
    public void Run_WithJobsSignalledMidRun_StopsEveryWorker_AndRecordsAnInterruptedRun()
    {
        // A real `eval` parent with two workers, sent SIGINT to the parent alone (as a scheduler signals) after a worker's
        // first case: the workers stop after their case in flight, none is left running, and the recorded run is
        // interrupted (running again resumes it, as any interrupted run).
        File.WriteAllText(suitePath, File.ReadAllText(suitePath).Replace("protocol: chunks, documents: 1, windows: 2", "protocol: sliding, stride: 1, documents: 1, windows: 1500"));
        var (exit, output, error) = ChildProcess.RunAndSignal("env", root,
            ["--default-signal=INT,TERM", "dotnet", Path.Combine(AppContext.BaseDirectory, "eval.dll"), "run", suitePath, "--db", Db(), "--jobs", "2"],
            line => line.Contains(" [1/", StringComparison.Ordinal), "INT", TimeSpan.FromMinutes(3));
        Assert.That(exit, Is.EqualTo(ExitCodes.CaseFailed), output + error);
        Assert.That(output, Does.Contain("interrupted (run again to resume)"), output + error);
        var pids = System.Text.RegularExpressions.Regex.Match(output, @"pids (\d+), (\d+)").Groups.Values.Skip(1).Select(g => int.Parse(g.Value)).ToList();
        Assert.That(pids, Has.Count.EqualTo(2), output);
        foreach (int pid in pids) Assert.That(IsRunning(pid), Is.False, $"worker {pid} still runs after its parent ended");

        using (var store = ResultStore.Open(Db()))
        {
            var run = store.GetRun("latest")!;
            Assert.That(run.Status, Is.EqualTo(RunStatus.Interrupted));
            Assert.That(store.LoadCases(run.Id).Count, Is.InRange(1, 23));
            Assert.That(store.ListRuns().Where(r => r.Id != run.Id).Select(r => r.Status), Has.All.EqualTo(RunStatus.Interrupted), "each worker marked its own run");
        }
    }

    private static bool IsRunning(int pid)
    {
        try { using var process = System.Diagnostics.Process.GetProcessById(pid); return !process.HasExited; }
        catch (ArgumentException) { return false; }
    }
}
