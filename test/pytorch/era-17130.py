# ERA S6 solution, 17,130 parameters: conv 1->16->16->16 (no padding), max-pool, a 1x1 16->16,
# three 3x3 convs with Dropout2d(0.1), two with padding 1 and Dropout2d(0.2), AvgPool2d(5) and
# Linear 16->10. Every conv has a bias and is followed by ReLU and BatchNorm.
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.convblock1 = nn.Sequential(
            nn.Conv2d(1, 16, 3), nn.ReLU(), nn.BatchNorm2d(16),  # 26
            nn.Conv2d(16, 16, 3), nn.ReLU(), nn.BatchNorm2d(16),  # 24
            nn.Conv2d(16, 16, 3), nn.ReLU(), nn.BatchNorm2d(16),  # 22
        )
        self.pool1 = nn.MaxPool2d(2, 2)  # 11
        self.transition = nn.Sequential(nn.Conv2d(16, 16, 1), nn.ReLU(), nn.BatchNorm2d(16))
        self.convblock2 = nn.Sequential(
            nn.Conv2d(16, 16, 3), nn.ReLU(), nn.BatchNorm2d(16), nn.Dropout2d(0.1),  # 9
            nn.Conv2d(16, 16, 3), nn.ReLU(), nn.BatchNorm2d(16), nn.Dropout2d(0.1),  # 7
            nn.Conv2d(16, 16, 3), nn.ReLU(), nn.BatchNorm2d(16), nn.Dropout2d(0.1),  # 5
        )
        self.convblock3 = nn.Sequential(
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(16), nn.Dropout2d(0.2),
            nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.BatchNorm2d(16), nn.Dropout2d(0.2),
        )
        self.gap = nn.AvgPool2d(5)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.convblock1(x)
        x = self.pool1(x)
        x = self.transition(x)
        x = self.convblock2(x)
        x = self.convblock3(x)
        x = self.gap(x)
        x = x.view(-1, 16)
        x = self.fc(x)
        return F.log_softmax(x, dim=-1)
