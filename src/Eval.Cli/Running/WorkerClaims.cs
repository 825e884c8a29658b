namespace Eval.Cli.Running;

/// <summary>
/// The folder through which `eval run --jobs N` and its worker processes agree: a worker takes a model by creating its
/// claim file (CreateNew is atomic across processes, so exactly one worker loads and tunes each model), and stops after
/// the case in flight once the parent writes the stop file or is gone.
/// </summary>
public sealed class WorkerClaims(string folder)
{
    public const string StopFile = "stop";
    public const string ParentFile = "parent";

    public string Folder { get; } = folder;

    /// <summary>True for the one worker that creates model <paramref name="modelIndex"/>'s claim file first.</summary>
    public bool Claim(int modelIndex)
    {
        try
        {
            using var claimed = new FileStream(Path.Combine(Folder, $"model-{modelIndex}.claim"), FileMode.CreateNew, FileAccess.Write);
            claimed.Write(System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return true;
        }
        catch (IOException) when (File.Exists(Path.Combine(Folder, $"model-{modelIndex}.claim"))) { return false; }
    }

    /// <summary>A token cancelled with <paramref name="cancel"/>, when the stop file appears, or when the parent process has ended
    /// (a parent killed outright leaves no worker running on).</summary>
    public CancellationTokenSource StopToken(CancellationToken cancel, TimeSpan poll)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        int? parent = int.TryParse(File.Exists(Path.Combine(Folder, ParentFile)) ? File.ReadAllText(Path.Combine(Folder, ParentFile)) : "", out int pid) ? pid : null;
        var timer = new Timer(_ =>
        {
            if (File.Exists(Path.Combine(Folder, StopFile)) || (parent is int p && !IsAlive(p))) stop.Cancel();
        }, null, poll, poll);
        stop.Token.Register(() => timer.Dispose());
        return stop;
    }

    private static bool IsAlive(int pid)
    {
        try { using var process = System.Diagnostics.Process.GetProcessById(pid); return !process.HasExited; }
        catch (ArgumentException) { return false; }
    }
}
