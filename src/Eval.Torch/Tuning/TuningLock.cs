using System.Globalization;

namespace Eval.Torch.Tuning;

/// <summary>
/// An operating-system lock on <c>KEY.lock</c> (a file opened with <see cref="FileShare.None"/>), held while one
/// process trains and publishes a tuned model: two `eval tune` of the same recipe, or the shards of one `eval run`
/// (the README's Slurm layout), would otherwise share <c>KEY.state</c>. The second waits, then finds the result
/// published. The OS releases the lock when its holder exits, even when it is killed, so a crash never blocks a rerun.
/// The lock file stays (deleting it would let a third process lock a new file while a second holds the old one).
/// </summary>
public sealed class TuningLock : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private readonly FileStream stream;

    private TuningLock(FileStream stream) => this.stream = stream;

    /// <summary>Takes the lock, waiting (and saying once for whom) while another process or thread holds it.</summary>
    public static TuningLock Acquire(string path, string name, Action<string> log, CancellationToken cancel)
    {
        // Who holds the lock is written beside it: a locked file cannot be read by the one waiting for it.
        string owner = path + ".owner";
        bool told = false;
        while (true)
        {
            try
            {
                var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                File.WriteAllText(owner, string.Create(CultureInfo.InvariantCulture,
                    $"{name}: process {Environment.ProcessId} on {Environment.MachineName}, since {DateTime.UtcNow:u}"));
                return new TuningLock(stream);
            }
            catch (IOException) when (File.Exists(path))
            {
                if (!told)
                {
                    string holder = File.Exists(owner) ? File.ReadAllText(owner) : "another process";
                    log($"{name}: waiting for the same tuning in progress elsewhere ({holder}); lock {path}");
                    told = true;
                }
                if (cancel.WaitHandle.WaitOne(Poll)) throw new OperationCanceledException("Stopped while waiting for another tuning of the same model.");
            }
        }
    }

    public void Dispose() => stream.Dispose();
}
