using Eval.Core.Models;
using Eval.Core.Positional;
using Eval.Core.Tasks;
using Eval.Storage;
using Eval.Torch.Checkpoints;
using Eval.Torch.Tokenization;
using Microsoft.Data.Sqlite;

namespace Eval.Cli;

/// <summary>
/// The one place that decides which exceptions are the user's input rather than a bug: each becomes exit 2 with its
/// message instead of a stack trace. A model, tokenizer, suite, store or output path the user named that is
/// malformed, unreadable or unwritable is input; anything else still surfaces as a crash so bugs are not hidden.
/// </summary>
public static class KnownInputErrors
{
    public static string? Describe(Exception e) => e switch
    {
        InvalidInputException or CheckpointException or ModelConfigException or TokenizerException
            or TaskException or StrategyException or StoreException => e.Message,
        NotApplicableException => $"Not applicable: {e.Message}",
        UnauthorizedAccessException or IOException => $"Cannot read or write a file: {e.Message}",
        SqliteException s => $"The results database cannot be used: {s.Message}",
        _ => null,
    };
}
