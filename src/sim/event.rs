//! The events of a trial and what link messages carry.

use crate::scenario::Carries;

/// A payload as an event stores it: the level, or the order's index; the link's `carries` says
/// which (this keeps an event at 24 bytes).
pub type Message = i64;

/// What a link message carries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Payload {
    /// The sender's view at the send time, units.
    Level(i64),
    /// An order, by index into the trial's orders.
    Order(u32),
}

impl Payload {
    /// The payload as an event stores it.
    #[inline]
    pub fn message(self) -> Message {
        match self {
            Payload::Level(value) => value,
            Payload::Order(order) => Message::from(order),
        }
    }

    /// The payload of `message` on a link carrying `carries`.
    #[inline]
    pub fn of(carries: Carries, message: Message) -> Payload {
        match carries {
            Carries::Levels => Payload::Level(message),
            Carries::Orders => Payload::Order(message as u32),
        }
    }
}

/// Everything that can happen in a trial.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// A demand order of a SKU arrives at a channel.
    Demand { channel: u32, sku: u32 },
    /// A scheduled order (index into `scheduled_orders`) arrives.
    Scheduled { index: u32 },
    /// A fixed receipt (index into `stock.receipts`) arrives.
    Receipt { index: u32 },
    /// The units of a SKU's open reorder arrive.
    ReorderArrival { sku: u32 },
    /// Every view is set to the physical stock.
    Reconcile,
    /// A poll link's poll is due.
    Poll { link: u32 },
    /// A waiting poll gets its first API token.
    ApiGrant { link: u32 },
    /// A waiting poll gets its last API token and reads what it carries.
    ApiRead { link: u32 },
    /// A webhook message is attempted again after a failure; `attempt` counts the retries so
    /// far, `epoch` is the link's disable count when it was scheduled (a retry pending when the
    /// link was disabled is dropped), `debt` what the message owes (for monitoring). The link
    /// fits 16 bits (at most 10,000 links), which keeps an event at 32 bytes.
    Retry {
        link: u16,
        attempt: u16,
        epoch: u16,
        sku: u32,
        debt: u32,
        sent: f64,
        message: Message,
    },
    /// A message reaches the link's receiver; `debt` is what it settles (for monitoring).
    Deliver {
        link: u32,
        sku: u32,
        debt: u32,
        sent: f64,
        message: Message,
    },
    /// A polled batch of orders (`from`'s order log `start..end`) reaches the link's receiver.
    Batch { link: u32, start: u32, end: u32 },
    /// A polled batch of levels (a slot of the engine's batches) reaches the link's receiver.
    LevelBatch { batch: u32 },
    /// A background order arrives at a processing node.
    Background { node: u32 },
    /// A server of a processing node finishes an item (an order index, or `BACKGROUND`).
    ServiceEnd { node: u32, item: u32 },
    /// A feed server of a node finishes a level message or batch (a slot of the engine's feed
    /// items).
    FeedEnd { node: u32, slot: u32 },
    /// An accepted order (an index into the trial's orders) ships, or is cancelled if oversold:
    /// its committed units are released.
    Ship { order: u32 },
    /// A link's oldest debt reaches its deadline (`lag_alert` after it was incurred).
    LagCheck { link: u32 },
    /// The fix after an alert: disabled links restored, every view set to the record's.
    Fix,
    /// A unit of a SKU vanishes from the shelf (if any is left).
    Shrink { sku: u32 },
}
