use tokio::sync::mpsc::Sender;

use super::WindowSizeRef;
use crate::ChannelMsg;

/// A handle to the [`super::Channel`]'s to be able to transmit messages
/// to it and update it's `window_size`.
#[derive(Debug)]
pub struct ChannelRef {
    pub(super) sender: Sender<ChannelMsg>,
    pub(super) window_size: WindowSizeRef,
}

impl ChannelRef {
    pub fn new(sender: Sender<ChannelMsg>) -> Self {
        Self {
            sender,
            window_size: WindowSizeRef::new(0),
        }
    }

    /// Apiary patch: swaps a sender whose receiver is gone for one shared closed sender, freeing the
    /// channel's queue. Sends fail the same way before and after.
    pub(crate) fn release_if_unused(&mut self) {
        static CLOSED: std::sync::OnceLock<Sender<ChannelMsg>> = std::sync::OnceLock::new();
        if self.sender.is_closed() {
            let closed = CLOSED.get_or_init(|| tokio::sync::mpsc::channel(1).0);
            self.sender = closed.clone();
        }
    }

    pub(crate) fn window_size(&self) -> &WindowSizeRef {
        &self.window_size
    }
}

impl std::ops::Deref for ChannelRef {
    type Target = Sender<ChannelMsg>;

    fn deref(&self) -> &Self::Target {
        &self.sender
    }
}
